//! The lowered, versioned state graph: what the runtime executes.
//!
//! Nodes sit in a flat table indexed by [`NodeId`]; every exit is resolved to
//! an id; every default is filled in; sub-flows (`run` of a module) are inlined.
//! The graph is plain data (serde), and its `version` is a content hash of its
//! canonical JSON form, so the same flow written as `.ivr` or YAML has the
//! same version, and a call can name exactly the graph it started on.

pub mod draw;
mod hash;
pub mod template;

pub use hash::{stamp, version_of};
pub use template::{Address, SayAs, Segment, Template};

use serde::{Deserialize, Serialize};

pub use crate::syntax::ast::BinOp;

/// Bumped whenever the meaning of the serialised graph changes.
pub const FORMAT: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub format: u32,
    /// Hex SHA-256 of the canonical JSON of this graph with `version` empty.
    pub version: String,
    pub flow: String,
    /// Default language (BCP-47), e.g. `en-IN`. Prompts fall back to it.
    pub language: String,
    /// Default TTS voice, if any (`Polly.Aditi`): for the flow's language,
    /// and for any other language it speaks.
    pub voice: Option<String>,
    /// A voice per language (`voice { en-IN "Polly.Raveena" hi-IN "Polly.Aditi" }`),
    /// used for what is spoken in that language; before `voice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voices: Vec<(String, String)>,
    /// IANA time zone for `hours` nodes.
    pub timezone: String,
    pub targets: Vec<Provider>,
    pub vars: Vec<VarDef>,
    pub start: NodeId,
    pub nodes: Vec<Node>,
    /// The flow reads `call.answered_by`: a call placed to run it asks the
    /// provider to tell a person from an answering machine (which delays the
    /// flow's start on a machine until its greeting ends).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reads_answered_by: bool,
}

impl Graph {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }

    pub fn var(&self, name: &str) -> Option<&VarDef> {
        self.vars.iter().find(|v| v.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Twilio,
    Exotel,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Twilio, Provider::Exotel];

    /// Every provider's name, as flows write it (`targets twilio, exotel`).
    pub const NAMES: [&'static str; 2] = {
        let mut out = [""; 2];
        let mut i = 0;
        while i < out.len() {
            out[i] = Provider::ALL[i].as_str();
            i += 1;
        }
        out
    };

    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Exotel => "exotel",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Provider {
    type Err = String;

    /// A provider by its name, as flows, the API and the CLI write it.
    fn from_str(name: &str) -> Result<Provider, String> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| format!("unknown provider `{name}` (twilio or exotel)"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    String,
    Number,
    /// A string of DTMF digits (`0-9`, `*`, `#`); not a number — "007" stays "007".
    Digits,
    Bool,
    /// Any JSON value, typically an HTTP response.
    Json,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Number => "number",
            Type::Digits => "digits",
            Type::Bool => "bool",
            Type::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "string" => Type::String,
            "number" => Type::Number,
            "digits" => Type::Digits,
            "bool" => Type::Bool,
            "json" => Type::Json,
            _ => return None,
        })
    }
}

/// A flow variable. Module-local variables are inlined under the `run` node's
/// name: `verify/pin`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    /// Initial value; `null` means unset until assigned.
    pub default: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The author's name for the node (`main`, `verify/ask` for inlined module nodes).
    pub name: String,
    #[serde(flatten)]
    pub kind: NodeKind,
}

/// What the caller hears: text, audio, a pause, or several of them in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// Language → text (`text { en-IN "…"  hi-IN "…" }`). The flow's default
    /// language is always present.
    Text(Vec<(String, Template)>),
    Audio(Template),
    /// Text in no particular language (`text "…"`): spoken in the call's
    /// current language.
    Plain(Template),
    /// Silence, in whole seconds.
    Pause(u32),
    /// Pieces played in order, the whole `loops` times
    /// (`prompt "Welcome." pause 1s audio "https://…" loop 2`).
    Sequence {
        parts: Vec<Prompt>,
        loops: u32,
    },
}

impl Prompt {
    /// Every template in the prompt (texts in every language, audio URLs).
    pub fn templates(&self) -> Vec<&Template> {
        match self {
            Prompt::Text(texts) => texts.iter().map(|(_, t)| t).collect(),
            Prompt::Audio(t) | Prompt::Plain(t) => vec![t],
            Prompt::Pause(_) => Vec::new(),
            Prompt::Sequence { parts, .. } => parts.iter().flat_map(Prompt::templates).collect(),
        }
    }

    pub fn templates_mut(&mut self) -> Vec<&mut Template> {
        match self {
            Prompt::Text(texts) => texts.iter_mut().map(|(_, t)| t).collect(),
            Prompt::Audio(t) | Prompt::Plain(t) => vec![t],
            Prompt::Pause(_) => Vec::new(),
            Prompt::Sequence { parts, .. } => {
                parts.iter_mut().flat_map(Prompt::templates_mut).collect()
            }
        }
    }

    /// The languages written for it (`text { en-IN … hi-IN … }`), nested too.
    pub fn languages(&self) -> Vec<&str> {
        match self {
            Prompt::Text(texts) => texts.iter().map(|(l, _)| l.as_str()).collect(),
            Prompt::Sequence { parts, .. } => parts.iter().flat_map(Prompt::languages).collect(),
            Prompt::Audio(_) | Prompt::Plain(_) | Prompt::Pause(_) => Vec::new(),
        }
    }

    /// Is the first thing heard an audio file (a `play` node)?
    pub fn starts_with_audio(&self) -> bool {
        match self {
            Prompt::Audio(_) => true,
            Prompt::Sequence { parts, .. } => parts.first().is_some_and(Prompt::starts_with_audio),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    #[default]
    Dtmf,
    Speech,
    DtmfSpeech,
}

impl Input {
    pub fn is_dtmf(&self) -> bool {
        *self == Input::Dtmf
    }

    pub fn speech(self) -> bool {
        self != Input::Dtmf
    }

    pub fn keys(self) -> bool {
        self != Input::Speech
    }
}

/// How a menu reads an entry of more than one key. Absent: one key decides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub min_digits: u32,
    pub max_digits: u32,
    pub finish_key: Option<char>,
    /// The wait after a key for the next one (the first key waits
    /// `timeout_ms`). None: the provider's wait between keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inter_digit_ms: Option<u64>,
}

/// `max_visits`: how often one call may enter a node, counted across
/// re-entries; one entry more takes `exhausted` (the `visits_exhausted` exit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitLimit {
    pub max: u32,
    pub exhausted: NodeId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Where a `weekly` interval sits: minutes since Monday 00:00, local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub from: u32,
    pub to: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NodeKind {
    /// Speak or play prompts, then go on.
    Say {
        prompts: Vec<Prompt>,
        loops: u32,
        next: NodeId,
    },
    /// Ask for one key. Attempt `n` (0-based) plays `prompts[min(n, len-1)]`;
    /// a no-input first plays `noinput`, a wrong key `nomatch`.
    Menu {
        prompts: Vec<Prompt>,
        noinput: Option<Prompt>,
        nomatch: Option<Prompt>,
        timeout_ms: u64,
        max_noinput: u32,
        max_nomatch: u32,
        choices: Vec<Choice>,
        exhausted: NodeId,
        /// `input dtmf speech`: choices may also be said.
        #[serde(default, skip_serializing_if = "Input::is_dtmf")]
        input: Input,
        /// Entries longer than one key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entry: Option<KeyEntry>,
        /// The variable that gets what was keyed (or said) to choose.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        noinput_exhausted: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nomatch_exhausted: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visits: Option<VisitLimit>,
    },
    /// Collect digits and/or speech into a variable.
    Gather {
        prompts: Vec<Prompt>,
        noinput: Option<Prompt>,
        nomatch: Option<Prompt>,
        input: Input,
        min_digits: u32,
        max_digits: u32,
        finish_key: Option<char>,
        timeout_ms: u64,
        /// Anchored regular expression the input must match.
        pattern: Option<String>,
        /// Misses of either kind before `exhausted`.
        max_attempts: u32,
        /// Speech recognition hints.
        hints: Vec<String>,
        into: String,
        done: NodeId,
        exhausted: NodeId,
        /// Silences before `exhausted`, counted apart from wrong entries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_noinput: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_nomatch: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        noinput_exhausted: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nomatch_exhausted: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visits: Option<VisitLimit>,
    },
    /// First matching arm wins; `otherwise` is required.
    Branch {
        arms: Vec<Arm>,
        otherwise: NodeId,
    },
    Set {
        assigns: Vec<Assignment>,
        next: NodeId,
    },
    /// Send each call down one branch by its share (an A/B test, a roll-out).
    /// The branch is chosen from a hash of the call id and the node's name,
    /// so the same call always takes the same branch, and two splits choose
    /// independently of each other.
    Split {
        branches: Vec<Share>,
    },
    /// Opening hours in the flow's time zone; holidays are closed all day.
    Hours {
        weekly: Vec<Interval>,
        holidays: Vec<String>,
        open: NodeId,
        closed: NodeId,
    },
    Transfer {
        prompt: Option<Prompt>,
        to: Vec<Template>,
        caller_id: Option<Template>,
        ring_timeout_s: u32,
        record: bool,
        answered: NodeId,
        busy: NodeId,
        no_answer: NodeId,
        failed: NodeId,
    },
    Queue {
        /// The queue's name; for a name built per call, its template's
        /// display form (`support-{language}`).
        name: String,
        /// A name built per call from variables; absent when `name` is
        /// the name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name_template: Option<Template>,
        prompt: Option<Prompt>,
        hold_music: Option<String>,
        /// Announce the caller's position this often (None: never).
        position_every_s: Option<u32>,
        max_wait_s: u32,
        bridged: NodeId,
        timeout: NodeId,
        failed: NodeId,
    },
    Record {
        prompt: Option<Prompt>,
        max_length_s: u32,
        beep: bool,
        finish_key: Option<char>,
        /// `finish any`: any key ends the recording (`finish_key` is None).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        finish_any: bool,
        /// `trim false`: keep the silence at the start and end.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        keep_silence: bool,
        timeout_s: u32,
        into: Option<String>,
        /// `transcribe into VAR`: a `string` variable that is `""` on `done`
        /// and gets the transcript when the provider sends it, later (often
        /// after the call has ended).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript: Option<String>,
        done: NodeId,
        empty: NodeId,
    },
    /// Record the rest of the call, from here to its end, then go on.
    RecordCall {
        next: NodeId,
    },
    Http {
        method: Method,
        url: Template,
        headers: Vec<(String, Template)>,
        body: Option<Template>,
        timeout_ms: u64,
        into: Option<String>,
        ok: NodeId,
        error: NodeId,
    },
    Sms {
        to: Template,
        text: Template,
        /// The id India's DLT registry gave this message's template (sent
        /// where the provider takes one; absent from older graphs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dlt_template: Option<String>,
        sent: NodeId,
        failed: NodeId,
    },
    Ai {
        url: Template,
        greeting: Option<Prompt>,
        params: Vec<(String, Template)>,
        into: Option<String>,
        /// `mode relay`: the provider transcribes and speaks, the agent
        /// exchanges text (Twilio ConversationRelay); else raw audio.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        relay: bool,
        /// The result the agent must return (`result intent "a", "b"`):
        /// one that does not fit takes `failed`. Empty: anything, or nothing.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        result: Vec<ResultField>,
        /// The agent's time budget (`timeout 5m`), counted from the hand-off:
        /// a result or an end after it takes `failed`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
        done: NodeId,
        failed: NodeId,
    },
    Hangup {
        prompt: Option<Prompt>,
    },
}

/// One field of an agent's declared result: `result intent "billing", "support"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultField {
    pub name: String,
    pub shape: FieldShape,
}

/// What one result field may hold. Every declared field must be present.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldShape {
    String,
    Number,
    Bool,
    /// Any JSON value, `null` included.
    Json,
    /// One of these strings.
    OneOf(Vec<String>),
}

impl FieldShape {
    /// The words a field's type is written with (`result slots json`).
    pub const WORDS: &'static [&'static str] = &["string", "number", "bool", "json"];

    /// How the shape is written in `.ivr`, for messages.
    pub fn describe(&self) -> String {
        match self {
            FieldShape::String => "string".into(),
            FieldShape::Number => "number".into(),
            FieldShape::Bool => "bool".into(),
            FieldShape::Json => "json".into(),
            FieldShape::OneOf(values) => values
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The exit's name and first entry: keys (`"1"`, `"10"`, `"1234"`), or a
    /// phrase for speech menus; with `pattern`, the pattern as written.
    pub key: String,
    /// Further entries that pick the same choice: keys or phrases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// A regular expression (from a digit range or `/…/`) the whole keyed
    /// entry may match instead; the runtime anchors it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    pub target: NodeId,
}

/// One branch of a `split`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The branch's name, which is also its exit's name (`new`, `old`).
    pub name: String,
    /// Its share in hundredths of a percent (basis points); a split's
    /// shares sum to [`Share::WHOLE`].
    pub weight: u32,
    pub target: NodeId,
}

impl Share {
    /// 100 %, in basis points.
    pub const WHOLE: u32 = 10_000;

    /// The share as written: `10`, `12.5`, `0.25` (percent, no sign).
    pub fn percent(&self) -> String {
        let (whole, part) = (self.weight / 100, self.weight % 100);
        match part {
            0 => whole.to_string(),
            p if p % 10 == 0 => format!("{whole}.{}", p / 10),
            p => format!("{whole}.{p:02}"),
        }
    }
}

impl Choice {
    /// A choice picked by exactly `key`.
    pub fn key(key: impl Into<String>, target: NodeId) -> Choice {
        Choice {
            key: key.into(),
            also: Vec::new(),
            pattern: None,
            target,
        }
    }

    /// The entries matched literally (keys and phrases, not the ranges and
    /// `/…/` patterns `pattern` stands for), in written order.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str())
            .chain(self.also.iter().map(String::as_str))
            .filter(|e| !is_pattern(e))
    }

    /// The spoken phrases among the entries.
    pub fn phrases(&self) -> impl Iterator<Item = &str> {
        self.entries().filter(|e| !is_keys(e))
    }
}

/// A digit range (`"1000-1019"`) or a regular expression (`"/9[0-9]+/"`):
/// an entry a choice's `pattern` stands for.
pub fn is_pattern(entry: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let slashed = entry.len() > 2 && entry.starts_with('/') && entry.ends_with('/');
    slashed
        || entry
            .split_once('-')
            .is_some_and(|(lo, hi)| digits(lo) && digits(hi))
}

/// Keys only (`0-9`, `*`, `#`), at least one: an entry a caller keys, not says.
pub fn is_keys(entry: &str) -> bool {
    !entry.is_empty()
        && entry
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}

/// Exits every menu and gather may add after `exhausted`, in this order.
fn misses_exits(
    v: &mut Vec<(String, NodeId)>,
    noinput: &Option<NodeId>,
    nomatch: &Option<NodeId>,
    visits: &Option<VisitLimit>,
) {
    v.extend(noinput.map(|t| ("noinput_exhausted".to_string(), t)));
    v.extend(nomatch.map(|t| ("nomatch_exhausted".to_string(), t)));
    v.extend(
        visits
            .as_ref()
            .map(|l| ("visits_exhausted".to_string(), l.exhausted)),
    );
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    pub when: Expr,
    pub target: NodeId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub var: String,
    pub value: Expr,
}

/// A checked expression. Paths start at a variable name, or at a built-in
/// root: `call` (`call.from`, `call.to`, `call.direction`, `call.sid`,
/// `call.answered_by`) or
/// `language` (the call's current language).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Lit(serde_json::Value),
    Path(Vec<String>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl NodeKind {
    /// The kind's keyword, as written in `.ivr`.
    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Say { prompts, .. }
                if prompts.first().is_some_and(Prompt::starts_with_audio) =>
            {
                "play"
            }
            NodeKind::Say { .. } => "say",
            NodeKind::Menu { .. } => "menu",
            NodeKind::Gather { .. } => "gather",
            NodeKind::Branch { .. } => "branch",
            NodeKind::Set { .. } => "set",
            NodeKind::Split { .. } => "split",
            NodeKind::Hours { .. } => "hours",
            NodeKind::Transfer { .. } => "transfer",
            NodeKind::Queue { .. } => "queue",
            NodeKind::Record { .. } => "record",
            NodeKind::RecordCall { .. } => "record_call",
            NodeKind::Http { .. } => "http",
            NodeKind::Sms { .. } => "sms",
            NodeKind::Ai { .. } => "ai",
            NodeKind::Hangup { .. } => "hangup",
        }
    }

    /// Every exit as (exit name, target), in a stable order. Menu choices are
    /// named by their key.
    pub fn exits(&self) -> Vec<(String, NodeId)> {
        let named =
            |pairs: &[(&str, NodeId)]| pairs.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        match self {
            NodeKind::Say { next, .. }
            | NodeKind::Set { next, .. }
            | NodeKind::RecordCall { next } => named(&[("next", *next)]),
            NodeKind::Menu {
                choices,
                exhausted,
                noinput_exhausted,
                nomatch_exhausted,
                visits,
                ..
            } => {
                let mut v: Vec<_> = choices.iter().map(|c| (c.key.clone(), c.target)).collect();
                v.push(("exhausted".into(), *exhausted));
                misses_exits(&mut v, noinput_exhausted, nomatch_exhausted, visits);
                v
            }
            NodeKind::Gather {
                done,
                exhausted,
                noinput_exhausted,
                nomatch_exhausted,
                visits,
                ..
            } => {
                let mut v = named(&[("done", *done), ("exhausted", *exhausted)]);
                misses_exits(&mut v, noinput_exhausted, nomatch_exhausted, visits);
                v
            }
            NodeKind::Branch { arms, otherwise } => {
                let mut v: Vec<_> = arms
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (format!("when#{}", i + 1), a.target))
                    .collect();
                v.push(("else".into(), *otherwise));
                v
            }
            NodeKind::Split { branches } => branches
                .iter()
                .map(|b| (b.name.clone(), b.target))
                .collect(),
            NodeKind::Hours { open, closed, .. } => named(&[("open", *open), ("closed", *closed)]),
            NodeKind::Transfer {
                answered,
                busy,
                no_answer,
                failed,
                ..
            } => named(&[
                ("answered", *answered),
                ("busy", *busy),
                ("no_answer", *no_answer),
                ("failed", *failed),
            ]),
            NodeKind::Queue {
                bridged,
                timeout,
                failed,
                ..
            } => named(&[
                ("bridged", *bridged),
                ("timeout", *timeout),
                ("failed", *failed),
            ]),
            NodeKind::Record { done, empty, .. } => named(&[("done", *done), ("empty", *empty)]),
            NodeKind::Http { ok, error, .. } => named(&[("ok", *ok), ("error", *error)]),
            NodeKind::Sms { sent, failed, .. } => named(&[("sent", *sent), ("failed", *failed)]),
            NodeKind::Ai { done, failed, .. } => named(&[("done", *done), ("failed", *failed)]),
            NodeKind::Hangup { .. } => Vec::new(),
        }
    }

    /// Does this node wait for the caller (or the world on the caller's behalf)?
    /// A loop through no such node would spin without end.
    pub fn waits(&self) -> bool {
        match self {
            NodeKind::Menu { .. }
            | NodeKind::Gather { .. }
            | NodeKind::Transfer { .. }
            | NodeKind::Queue { .. }
            | NodeKind::Record { .. }
            | NodeKind::Ai { .. }
            | NodeKind::Hangup { .. } => true,
            NodeKind::Say { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Set { .. }
            | NodeKind::Split { .. }
            | NodeKind::Hours { .. }
            | NodeKind::RecordCall { .. }
            | NodeKind::Http { .. }
            | NodeKind::Sms { .. } => false,
        }
    }
}
