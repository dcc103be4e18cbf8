//! Where things are named in an `.ivr` file: flows, modules, nodes and
//! variables, their definitions and every use, and the blocks the text opens.
//!
//! Why not the compiler's AST: an author mid-edit has a file that does not
//! parse (pest gives no partial tree), yet completion, hover and the outline
//! must keep working. This scanner reads tokens line by line and never fails;
//! it knows only the shape (`kind name { … }`, `exit -> node`, `{var}` holes),
//! while meaning stays with the compiler.

use ivr_compiler::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Word,
    Str,
    Open,
    Close,
    Arrow,
    Assign,
    Colon,
    Comma,
    End,
    Other,
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// What a name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    Node,
    Var,
    Module,
}

/// One place a name is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub sym: Sym,
    /// The unit (flow or module) whose names it belongs to; modules are
    /// file-wide and use `None`.
    pub unit: Option<usize>,
    pub name: String,
    pub span: Span,
    pub def: bool,
    /// A variable given a value here (`into x`, `x = …` in a `set`).
    pub write: bool,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub module: bool,
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub nodes: Vec<Node>,
    pub vars: Vec<Var>,
    pub returns: Vec<String>,
    /// The flow's `language`, as written.
    pub language: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: String,
    pub kind_span: Span,
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    /// The first words the caller hears here, as written.
    pub prompt: Option<String>,
    /// The exits written, by name.
    pub exits: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub span: Span,
    pub ty: String,
    pub param: bool,
}

/// A `{ … }` block: its opening and closing braces (the close is `None`
/// while the author has not written it).
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub frame: Frame,
    pub open: usize,
    pub close: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    Unit(usize),
    Node(usize, usize),
    /// A value in braces (`text { en-IN "…" }`), under the item `key_span` names.
    Value {
        key_span: Option<Span>,
    },
}

/// A property or setting key as written: `timeout` inside `menu main`.
#[derive(Clone, Debug)]
pub struct Key {
    pub span: Span,
    pub unit: usize,
    pub node: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Index {
    pub units: Vec<Unit>,
    pub occurrences: Vec<Occurrence>,
    pub blocks: Vec<Block>,
    pub keys: Vec<Key>,
}

const OPERATORS: &[&str] = &[
    "and", "or", "not", "contains", "matches", "true", "false", "null",
];
const BUILTIN_ROOTS: &[&str] = &["call", "language", "env"];

impl Index {
    pub fn new(text: &str) -> Index {
        let mut scan = Scan {
            text,
            index: Index::default(),
            stack: Vec::new(),
            line: Vec::new(),
        };
        for token in tokens(text) {
            match token.tok {
                Tok::Open => scan.open(token),
                Tok::Close => scan.close(token),
                Tok::End => scan.statement(),
                _ => scan.line.push(token),
            }
        }
        scan.statement();
        scan.index
    }

    /// The innermost block around `offset`.
    pub fn block_at(&self, offset: usize) -> Option<&Block> {
        self.blocks
            .iter()
            .filter(|b| b.open < offset && b.close.is_none_or(|c| offset <= c))
            .max_by_key(|b| b.open)
    }

    /// The unit around `offset`.
    pub fn unit_at(&self, offset: usize) -> Option<usize> {
        self.blocks
            .iter()
            .filter(|b| b.open < offset && b.close.is_none_or(|c| offset <= c))
            .find_map(|b| match b.frame {
                Frame::Unit(u) => Some(u),
                _ => None,
            })
    }

    /// The node around `offset`.
    pub fn node_at(&self, offset: usize) -> Option<(usize, usize)> {
        self.blocks
            .iter()
            .filter(|b| b.open < offset && b.close.is_none_or(|c| offset <= c))
            .find_map(|b| match b.frame {
                Frame::Node(u, n) => Some((u, n)),
                _ => None,
            })
    }

    /// The occurrence of a name under `offset` (its end counts, so a name
    /// just typed is found).
    pub fn occurrence_at(&self, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        self.occurrences
            .iter()
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of the same thing as `of`.
    pub fn same<'a>(&'a self, of: &'a Occurrence) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| o.sym == of.sym && o.unit == of.unit && o.name == of.name)
    }

    pub fn definition<'a>(&'a self, of: &'a Occurrence) -> Option<&'a Occurrence> {
        self.same(of).find(|o| o.def)
    }

    pub fn var(&self, unit: usize, name: &str) -> Option<&Var> {
        self.units.get(unit)?.vars.iter().find(|v| v.name == name)
    }

    pub fn node(&self, unit: usize, name: &str) -> Option<&Node> {
        self.units.get(unit)?.nodes.iter().find(|n| n.name == name)
    }
}

struct Scan<'a> {
    text: &'a str,
    index: Index,
    /// Indexes into `index.blocks` of the blocks still open.
    stack: Vec<usize>,
    line: Vec<Token>,
}

impl Scan<'_> {
    fn word(&self, token: &Token) -> &str {
        &self.text[token.span.start as usize..token.span.end as usize]
    }

    fn frame(&self) -> Option<Frame> {
        self.stack.last().map(|&b| self.index.blocks[b].frame)
    }

    fn unit(&self) -> Option<usize> {
        self.stack
            .iter()
            .find_map(|&b| match self.index.blocks[b].frame {
                Frame::Unit(u) => Some(u),
                _ => None,
            })
    }

    fn open(&mut self, brace: Token) {
        let line = std::mem::take(&mut self.line);
        let words: Vec<&Token> = line.iter().filter(|t| t.tok == Tok::Word).collect();
        let frame = match (self.frame(), line.as_slice()) {
            (None, [kind, name]) if kind.tok == Tok::Word && name.tok == Tok::Word => {
                let module = self.word(kind) == "module";
                let unit = Unit {
                    module,
                    name: self.word(name).to_string(),
                    name_span: name.span,
                    span: kind.span.to(brace.span),
                    nodes: Vec::new(),
                    vars: Vec::new(),
                    returns: Vec::new(),
                    language: None,
                };
                let u = self.index.units.len();
                if module {
                    self.occur(Sym::Module, None, name.span, true);
                }
                self.index.units.push(unit);
                Frame::Unit(u)
            }
            (Some(Frame::Unit(u)), [kind, name])
                if kind.tok == Tok::Word
                    && name.tok == Tok::Word
                    && !["var", "param", "voice", "start"].contains(&self.word(kind)) =>
            {
                let node = Node {
                    kind: self.word(kind).to_string(),
                    kind_span: kind.span,
                    name: self.word(name).to_string(),
                    name_span: name.span,
                    span: kind.span.to(brace.span),
                    prompt: None,
                    exits: Vec::new(),
                };
                self.occur(Sym::Node, Some(u), name.span, true);
                let units = &mut self.index.units[u];
                units.nodes.push(node);
                Frame::Node(u, units.nodes.len() - 1)
            }
            _ => {
                // The item the value belongs to: `text {`, `var x: json {`.
                let key_span = words.first().map(|t| t.span);
                self.line = line;
                self.statement();
                Frame::Value { key_span }
            }
        };
        self.stack.push(self.index.blocks.len());
        self.index.blocks.push(Block {
            frame,
            open: brace.span.start as usize,
            close: None,
        });
    }

    fn close(&mut self, brace: Token) {
        self.statement();
        if let Some(b) = self.stack.pop() {
            let block = &mut self.index.blocks[b];
            block.close = Some(brace.span.start as usize);
            match block.frame {
                Frame::Unit(u) => {
                    let unit = &mut self.index.units[u];
                    unit.span = unit.span.to(brace.span);
                }
                Frame::Node(u, n) => {
                    let node = &mut self.index.units[u].nodes[n];
                    node.span = node.span.to(brace.span);
                }
                Frame::Value { .. } => {}
            }
        }
    }

    fn occur(&mut self, sym: Sym, unit: Option<usize>, span: Span, def: bool) {
        let name = self.text[span.start as usize..span.end as usize].to_string();
        self.index.occurrences.push(Occurrence {
            sym,
            unit,
            name,
            span,
            def,
            write: false,
        });
    }

    /// A variable given a value at `token`.
    fn var_write(&mut self, unit: usize, token: &Token) {
        let before = self.index.occurrences.len();
        self.var_use(unit, token);
        if let Some(o) = self.index.occurrences.get_mut(before) {
            o.write = true;
        }
    }

    /// A variable read or written at `token` (the first segment of a path).
    fn var_use(&mut self, unit: usize, token: &Token) {
        let word = self.word(token);
        let root = word.split('.').next().unwrap_or(word);
        let starts_like_a_name = root
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        if starts_like_a_name && !OPERATORS.contains(&root) && !BUILTIN_ROOTS.contains(&root) {
            let span = Span::new(
                token.span.start as usize,
                token.span.start as usize + root.len(),
            );
            self.occur(Sym::Var, Some(unit), span, false);
        }
    }

    /// `{name}` holes in a string token.
    fn holes(&mut self, unit: usize, token: &Token) {
        let (start, end) = (token.span.start as usize, token.span.end as usize);
        let raw = &self.text[start..end];
        let bytes = raw.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'{' => {
                    let from = i + 1;
                    let len = raw[from..]
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                        .unwrap_or(raw.len() - from);
                    let hole = Token {
                        tok: Tok::Word,
                        span: Span::new(start + from, start + from + len),
                    };
                    if len > 0 {
                        self.var_use(unit, &hole);
                    }
                    i = from + len;
                }
                _ => i += 1,
            }
        }
    }

    /// One item (a line, or up to a brace): record what it names.
    fn statement(&mut self) {
        let line = std::mem::take(&mut self.line);
        let Some(first) = line.first().copied() else {
            return;
        };
        let Some(unit) = self.unit() else {
            return;
        };
        for token in line.iter().filter(|t| t.tok == Tok::Str) {
            if !matches!(self.frame(), Some(Frame::Unit(_))) {
                self.holes(unit, token);
            }
        }
        let key = (first.tok == Tok::Word).then(|| self.word(&first).to_string());
        let key = key.as_deref();
        match self.frame() {
            Some(Frame::Unit(u)) => self.header_item(u, key, &line),
            Some(Frame::Node(u, n)) => self.node_item(u, n, key, &line),
            Some(Frame::Value { key_span }) => {
                // `text { en-IN "…" }`: the first words of a prompt.
                let owner = key_span.map(|s| &self.text[s.start as usize..s.end as usize]);
                if let (Some(owner), Some((u, n))) = (owner, self.node_here()) {
                    self.maybe_prompt(u, n, owner, &line);
                }
            }
            None => {}
        }
    }

    fn node_here(&self) -> Option<(usize, usize)> {
        self.stack
            .iter()
            .rev()
            .find_map(|&b| match self.index.blocks[b].frame {
                Frame::Node(u, n) => Some((u, n)),
                _ => None,
            })
    }

    fn header_item(&mut self, u: usize, key: Option<&str>, line: &[Token]) {
        let Some(key) = key else { return };
        self.index.keys.push(Key {
            span: line[0].span,
            unit: u,
            node: None,
        });
        match (key, line.get(1)) {
            ("var" | "param", Some(name)) if name.tok == Tok::Word => {
                let ty = line
                    .iter()
                    .skip_while(|t| t.tok != Tok::Colon)
                    .nth(1)
                    .filter(|t| t.tok == Tok::Word)
                    .map(|t| self.word(t).to_string())
                    .unwrap_or_default();
                let var = Var {
                    name: self.word(name).to_string(),
                    span: name.span,
                    ty,
                    param: key == "param",
                };
                self.index.units[u].vars.push(var);
                self.occur(Sym::Var, Some(u), name.span, true);
                if let Some(eq) = line.iter().position(|t| t.tok == Tok::Assign) {
                    for t in line[eq + 1..].iter().filter(|t| t.tok == Tok::Word) {
                        self.var_use(u, t);
                    }
                }
            }
            ("language", Some(tag)) if tag.tok == Tok::Str => {
                let tag = self.word(tag).trim_matches('"').to_string();
                self.index.units[u].language = Some(tag);
            }
            ("start", Some(name)) if name.tok == Tok::Word => {
                self.occur(Sym::Node, Some(u), name.span, false);
            }
            ("returns", _) => {
                let names = line[1..]
                    .iter()
                    .filter(|t| t.tok == Tok::Word)
                    .map(|t| self.word(t).to_string())
                    .collect::<Vec<_>>();
                self.index.units[u].returns.extend(names);
            }
            _ => {}
        }
    }

    fn node_item(&mut self, u: usize, n: usize, key: Option<&str>, line: &[Token]) {
        if let Some(arrow) = line.iter().position(|t| t.tok == Tok::Arrow) {
            if let Some(target) = line.get(arrow + 1).filter(|t| t.tok == Tok::Word)
                && self.word(target) != "return"
            {
                self.occur(Sym::Node, Some(u), target.span, false);
            }
            if key == Some("when") {
                for t in line[1..arrow].iter().filter(|t| t.tok == Tok::Word) {
                    self.var_use(u, t);
                }
            } else if let Some(name) = line.first() {
                let exit = self.word(name).trim_matches('"').to_string();
                self.index.units[u].nodes[n].exits.push(exit);
            }
            return;
        }
        let Some(key) = key else { return };
        if line.get(1).is_some_and(|t| t.tok == Tok::Assign) {
            // `attempts = attempts + 1`, or a module parameter in `run`.
            let kind = self.index.units[u].nodes[n].kind.clone();
            if kind == "set" {
                self.var_write(u, &line[0]);
            }
            for t in line[2..].iter().filter(|t| t.tok == Tok::Word) {
                self.var_use(u, t);
            }
            return;
        }
        self.index.keys.push(Key {
            span: line[0].span,
            unit: u,
            node: Some(n),
        });
        match (key, line.get(1)) {
            ("into", Some(var)) if var.tok == Tok::Word => self.var_write(u, var),
            ("module", Some(module)) if module.tok == Tok::Word => {
                self.occur(Sym::Module, None, module.span, false);
            }
            _ => self.maybe_prompt(u, n, key, line),
        }
    }

    fn maybe_prompt(&mut self, u: usize, n: usize, key: &str, line: &[Token]) {
        let node = &self.index.units[u].nodes[n];
        if node.prompt.is_some() || !["prompt", "text", "greeting"].contains(&key) {
            return;
        }
        if let Some(s) = line.iter().find(|t| t.tok == Tok::Str) {
            let raw = &self.text[s.span.start as usize..s.span.end as usize];
            let prompt = raw
                .trim_start_matches('"')
                .trim_end_matches('"')
                .to_string();
            self.index.units[u].nodes[n].prompt = Some(prompt);
        }
    }
}

/// The tokens of `.ivr` text; comments are dropped, `;` and newlines end an item.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Token>, tok, start, end| {
        out.push(Token {
            tok,
            span: Span::new(start, end),
        })
    };
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'\n' | b';' => {
                push(&mut out, Tok::End, i, i + 1);
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => i = line_end(text, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(text, i),
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                if bytes.get(i - 1) == Some(&b'\n') {
                    i -= 1;
                }
                push(&mut out, Tok::Str, start, i);
            }
            b'{' => {
                push(&mut out, Tok::Open, i, i + 1);
                i += 1;
            }
            b'}' => {
                push(&mut out, Tok::Close, i, i + 1);
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'>') => {
                push(&mut out, Tok::Arrow, i, i + 2);
                i += 2;
            }
            b'=' if bytes.get(i + 1) != Some(&b'=') => {
                push(&mut out, Tok::Assign, i, i + 1);
                i += 1;
            }
            b':' => {
                push(&mut out, Tok::Colon, i, i + 1);
                i += 1;
            }
            b',' => {
                push(&mut out, Tok::Comma, i, i + 1);
                i += 1;
            }
            _ if is_word_byte(b) => {
                while i < bytes.len()
                    && (is_word_byte(bytes[i])
                        || (bytes[i] == b'-'
                            && bytes.get(i + 1).is_some_and(|&c| c.is_ascii_alphanumeric())))
                {
                    i += 1;
                }
                push(&mut out, Tok::Word, start, i);
            }
            _ => {
                // One character, whole (it may be several bytes).
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                i += len;
                // `==`, `!=`, `<=`, `>=` are one operator, not an assignment.
                if matches!(b, b'=' | b'!' | b'<' | b'>') && bytes.get(i) == Some(&b'=') {
                    i += 1;
                }
                push(&mut out, Tok::Other, start, i);
            }
        }
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b >= 0x80
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |n| from + n)
}
