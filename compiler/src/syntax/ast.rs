//! The one AST both surface syntaxes produce. It is deliberately generic — a
//! node is a kind, a name and a list of items — so that `.ivr` and YAML meet
//! here and everything after (checking, lowering) is written once.

use crate::source::{Span, Spanned};

/// Every node kind keyword, in the order docs/LANGUAGE.md lists them.
pub const NODE_KINDS: &[&str] = &KEYWORDS;

const KEYWORDS: [&str; Kind::ALL.len()] = {
    let mut out = [""; Kind::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = Kind::ALL[i].keyword();
        i += 1;
    }
    out
};

/// A node kind as written. The AST keeps the keyword as text (an unknown
/// one is reported with a "did you mean"); lowering matches this enum
/// without a catch-all, so a new kind does not compile until it is lowered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Say,
    Play,
    Menu,
    Gather,
    Branch,
    Split,
    Set,
    Hours,
    Transfer,
    Queue,
    Record,
    RecordCall,
    Http,
    Sms,
    Ai,
    Hangup,
    Run,
}

impl Kind {
    /// In the order docs/LANGUAGE.md lists them.
    pub const ALL: [Kind; 17] = [
        Kind::Say,
        Kind::Play,
        Kind::Menu,
        Kind::Gather,
        Kind::Branch,
        Kind::Split,
        Kind::Set,
        Kind::Hours,
        Kind::Transfer,
        Kind::Queue,
        Kind::Record,
        Kind::RecordCall,
        Kind::Http,
        Kind::Sms,
        Kind::Ai,
        Kind::Hangup,
        Kind::Run,
    ];

    pub const fn keyword(self) -> &'static str {
        match self {
            Kind::Say => "say",
            Kind::Play => "play",
            Kind::Menu => "menu",
            Kind::Gather => "gather",
            Kind::Branch => "branch",
            Kind::Split => "split",
            Kind::Set => "set",
            Kind::Hours => "hours",
            Kind::Transfer => "transfer",
            Kind::Queue => "queue",
            Kind::Record => "record",
            Kind::RecordCall => "record_call",
            Kind::Http => "http",
            Kind::Sms => "sms",
            Kind::Ai => "ai",
            Kind::Hangup => "hangup",
            Kind::Run => "run",
        }
    }

    /// The kind a keyword names, if any.
    pub fn of(keyword: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.keyword() == keyword)
    }
}

/// A parsed file: modules it defines and (usually) one flow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub units: Vec<Unit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Flow,
    Module,
}

/// A flow or a module: the same shape, except that a module has parameters
/// and named returns and a flow has settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    pub kind: UnitKind,
    pub name: Spanned<String>,
    pub span: Span,
    /// Flow-level settings: `language`, `voice`, `timezone`, `targets`, ….
    pub settings: Vec<Property>,
    pub vars: Vec<VarDecl>,
    pub params: Vec<VarDecl>,
    pub returns: Vec<Spanned<String>>,
    pub start: Option<Spanned<String>>,
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: Spanned<String>,
    pub ty: Spanned<String>,
    /// A `json` variable's declared fields: `json { status: string }`.
    pub fields: Vec<FieldDecl>,
    pub default: Option<Spanned<Value>>,
    pub span: Span,
}

/// `status: string`, `customer.name: string` — one field of a json shape.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// Dotted below the variable: `customer.name`.
    pub path: Spanned<String>,
    pub ty: Spanned<String>,
}

/// `kind name { items }`
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Spanned<String>,
    pub name: Spanned<String>,
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Property(Property),
    Exit(Exit),
    When(When),
    Assign(Assign),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Property(p) => p.span,
            Item::Exit(e) => e.span,
            Item::When(w) => w.span,
            Item::Assign(a) => a.span,
        }
    }
}

/// `key value value…`
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub key: Spanned<String>,
    pub values: Vec<Spanned<Value>>,
    pub span: Span,
}

/// `name -> target` or `"1" -> target`, or a menu choice with more entries:
/// `"2", "sales" -> target`.
#[derive(Clone, Debug, PartialEq)]
pub struct Exit {
    pub name: Spanned<ExitName>,
    /// Entries after the first (menu choices only).
    pub also: Vec<Spanned<String>>,
    pub target: Spanned<Target>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitName {
    /// A named exit: `next`, `exhausted`, `busy`, `else`, ….
    Word(String),
    /// A quoted key: `"1"`, `"*"`, `"#"`.
    Key(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Node(String),
    /// `return ok` — only inside a module.
    Return(String),
}

/// `when condition -> target` (branch nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    pub condition: Expr,
    pub target: Spanned<Target>,
    pub span: Span,
}

/// `var = expr` (set nodes, and arguments of `run` nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    pub var: Spanned<String>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text as written (escapes resolved); `{var}` templates are parsed by the checker.
    Str(String),
    Number(f64),
    /// Milliseconds.
    Duration(u64),
    Bool(bool),
    /// A bare word: `dtmf`, `GET`, `twilio`, `Polly.Aditi`.
    Word(String),
    /// `{ en-IN "…"  hi-IN "…" }`
    Localized(Vec<(Spanned<String>, Spanned<String>)>),
}

impl Value {
    /// What kind of value this is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Str(_) => "text",
            Value::Number(_) => "a number",
            Value::Duration(_) => "a duration",
            Value::Bool(_) => "true/false",
            Value::Word(_) => "a word",
            Value::Localized(_) => "text per language",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(String),
    Number(f64),
    Duration(u64),
    Bool(bool),
    Null,
    /// `order_id`, `order.status`, `call.from`, `items.0.name`
    Path(Vec<String>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    Matches,
    Add,
    Sub,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Contains => "contains",
            BinOp::Matches => "matches",
            BinOp::Add => "+",
            BinOp::Sub => "-",
        }
    }
}
