//! One node: its kind, properties, exits, conditions and assignments, with
//! the defaults of docs/LANGUAGE.md filled in.

use super::exits::{Exits, name_of};
use super::props::{Owner, Props, Val};
use super::types::{self, Env};
use super::{BUILTINS, Cx, Pending, PendingKind, Scope, hours, values};
use crate::check::capabilities::Limit;
use crate::check::{NodeSpans, Write};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{
    Arm, Assignment, Choice, Input, Method, NodeId, NodeKind, Prompt, Template, Type,
};
use crate::source::Span;
use crate::syntax::ast::{self, Item, NODE_KINDS, Value};

/// Lower one node; `None` when its kind is unknown.
pub(super) fn lower(cx: &mut Cx, scope: &Scope, node: &ast::Node) -> Option<Pending> {
    let kind = node.kind.value.as_str();
    if !NODE_KINDS.contains(&kind) {
        let help = did_you_mean(kind, NODE_KINDS.iter().copied())
            .unwrap_or_else(|| format!("the node kinds are: {}", NODE_KINDS.join(", ")));
        cx.structural(
            Diagnostic::new(Code::UnknownKind, format!("unknown node kind `{kind}`"))
                .label(node.kind.span, "not a node kind")
                .help(help),
        );
        return None;
    }
    let owner = Owner::node(node);
    let mut props = Vec::new();
    let mut exits = Vec::new();
    let mut whens = Vec::new();
    let mut assigns = Vec::new();
    for item in &node.items {
        match item {
            Item::Property(p) => props.push(p),
            Item::Exit(e) => exits.push(e),
            Item::When(w) if kind == "branch" => whens.push(w),
            Item::Assign(a) if kind == "set" || kind == "run" => assigns.push(a),
            Item::When(w) => cx.push(
                Diagnostic::new(Code::UnknownField, format!("`when` in a `{kind}` node"))
                    .label(w.span, "conditions belong in `branch` nodes")
                    .help("move the decision into a `branch` node and lead an exit to it"),
            ),
            Item::Assign(a) => cx.push(
                Diagnostic::new(Code::UnknownField, format!("assignment in a `{kind}` node"))
                    .label(a.span, "assignments belong in `set` nodes")
                    .help("move it into a `set` node on the way to this one"),
            ),
        }
    }
    let mut b = Build {
        scope,
        props: Props::new(&owner, props),
        exits: Exits::new(exits),
        env: Env::new(&scope.vars, kind == "http"),
        writes: Vec::new(),
        owner,
    };
    let lowered = match kind {
        "say" | "play" => b.say(cx),
        "menu" => b.menu(cx),
        "gather" => b.gather(cx),
        "branch" => b.branch(cx, &whens),
        "set" => b.set(cx, &assigns),
        "hours" => b.hours(cx),
        "transfer" => b.transfer(cx),
        "queue" => b.queue(cx, &node.name.value),
        "record" => b.record(cx),
        "http" => b.http(cx),
        "sms" => b.sms(cx),
        "ai" => b.ai(cx),
        "hangup" => b.hangup(cx),
        _ => b.run(cx, &assigns),
    };
    let Build {
        props,
        exits,
        env,
        writes,
        owner,
        ..
    } = b;
    props.finish(cx);
    let slots = exits.slots.clone();
    exits.finish(cx, &owner, kind);
    Some(Pending {
        name: node.name.value.clone(),
        spans: NodeSpans {
            name: node.name.span,
            span: node.span,
            exits: Vec::new(),
            reads: env.reads,
            writes,
        },
        slot_spans: slots.iter().map(|(_, s)| *s).collect(),
        targets: slots.into_iter().map(|(t, _)| t).collect(),
        kind: lowered,
    })
}

struct Build<'a> {
    scope: &'a Scope<'a>,
    owner: Owner,
    props: Props<'a>,
    exits: Exits<'a>,
    env: Env<'a>,
    writes: Vec<Write>,
}

const PROMPT: &[&str] = &["prompt", "text", "audio"];
const SAY: &[&str] = &["text", "prompt", "audio"];
const INPUTS: &[&str] = &["dtmf", "speech"];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

impl<'a> Build<'a> {
    fn exit(&mut self, cx: &mut Cx, name: &str) -> NodeId {
        self.exits.take(cx, self.scope, &self.owner, name)
    }

    fn node(kind: NodeKind) -> PendingKind {
        PendingKind::Node(kind)
    }

    // ----- values that need the node's context -----

    fn template(&mut self, cx: &mut Cx, v: Val, key: &str) -> Option<Template> {
        let text = values::text(cx, v, key)?;
        self.env.template(cx, &text, v.span)
    }

    /// A prompt: text (one language or several) or, for `audio`, a URL.
    fn prompt(&mut self, cx: &mut Cx, key: &str, v: Val) -> Option<Prompt> {
        if key == "audio" {
            let t = self.template(cx, v, key)?;
            values::url(cx, &t, v.span, key, &["http", "https"]);
            return Some(Prompt::Audio(t));
        }
        let texts = match &v.value {
            Value::Str(s) | Value::Word(s) => {
                vec![(
                    self.scope.language().to_string(),
                    self.say_text(cx, s, v.span)?,
                )]
            }
            Value::Localized(pairs) => self.localized(cx, pairs, v.span)?,
            _ => {
                values::text(cx, v, key);
                return None;
            }
        };
        Some(Prompt::Text(texts))
    }

    fn say_text(&mut self, cx: &mut Cx, text: &str, span: Span) -> Option<Template> {
        let t = self.env.template(cx, text, span)?;
        let bytes = t.display().len() as u64;
        values::limit(cx, self.scope.targets(), Limit::SayText, bytes, span);
        Some(t)
    }

    fn localized(
        &mut self,
        cx: &mut Cx,
        pairs: &[(
            crate::source::Spanned<String>,
            crate::source::Spanned<String>,
        )],
        span: Span,
    ) -> Option<Vec<(String, Template)>> {
        let mut out: Vec<(String, Template)> = Vec::new();
        for (lang, text) in pairs {
            if !values::is_language_tag(&lang.value) {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{}` is not a language tag", lang.value),
                    )
                    .label(lang.span, "expected a BCP-47 tag")
                    .help("write a language and region, like `en-IN`"),
                );
            }
            if out.iter().any(|(l, _)| l == &lang.value) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        format!("text for `{}` is written twice", lang.value),
                    )
                    .label(lang.span, "again here")
                    .help("one text per language"),
                );
                continue;
            }
            if let Some(t) = self.say_text(cx, &text.value, text.span) {
                out.push((lang.value.clone(), t));
            }
        }
        let language = self.scope.language();
        if !pairs.iter().any(|(l, _)| l.value == language) {
            cx.push(
                Diagnostic::new(
                    Code::MissingField,
                    format!("no text for `{language}`, the flow's language"),
                )
                .label(span, format!("add a line for `{language}`"))
                .help("a prompt per language must include the flow's default language: it is used when the call's language has no text"),
            );
        }
        Some(out)
    }

    fn prompts_of(&mut self, cx: &mut Cx, key: &'static str) -> Vec<Prompt> {
        self.props
            .all(key)
            .into_iter()
            .filter_map(|v| self.prompt(cx, key, v))
            .collect()
    }

    fn optional_prompt(&mut self, cx: &mut Cx, keys: &[&'static str]) -> Option<Prompt> {
        let (key, v) = self.props.one_of(cx, keys)?;
        self.prompt(cx, key, v)
    }

    /// `prompt`, then `reprompt`s: attempt n plays prompts[min(n, len-1)].
    fn attempts(&mut self, cx: &mut Cx) -> (Vec<Prompt>, Option<Prompt>, Option<Prompt>) {
        let mut prompts = Vec::new();
        match self.props.one_of(cx, PROMPT) {
            Some((key, v)) => prompts.extend(self.prompt(cx, key, v)),
            None => self.props.missing(cx, "prompt", "`prompt \"…\"`"),
        }
        prompts.extend(self.prompts_of(cx, "reprompt"));
        let noinput = self.optional_prompt(cx, &["noinput"]);
        let nomatch = self.optional_prompt(cx, &["nomatch"]);
        (prompts, noinput, nomatch)
    }

    fn ms(&mut self, cx: &mut Cx, key: &'static str, default: u64) -> u64 {
        self.props
            .one(cx, key)
            .and_then(|v| values::duration_ms(cx, v, key))
            .unwrap_or(default)
    }

    fn secs(&mut self, cx: &mut Cx, key: &'static str, default: u32, limit: Option<Limit>) -> u32 {
        let Some(v) = self.props.one(cx, key) else {
            return default;
        };
        let Some(s) = values::seconds(cx, v, key) else {
            return default;
        };
        if let Some(limit) = limit {
            values::limit(cx, self.scope.targets(), limit, u64::from(s), v.span);
        }
        s
    }

    fn count(&mut self, cx: &mut Cx, key: &'static str, default: u32, min: u32) -> u32 {
        self.props
            .one(cx, key)
            .and_then(|v| values::count(cx, v, key, min))
            .unwrap_or(default)
    }

    fn flag(&mut self, cx: &mut Cx, key: &'static str, default: bool) -> bool {
        self.props
            .one(cx, key)
            .and_then(|v| values::boolean(cx, v, key))
            .unwrap_or(default)
    }

    fn finish_key(&mut self, cx: &mut Cx) -> Option<char> {
        self.props
            .one(cx, "finish")
            .and_then(|v| values::finish_key(cx, v))
            .unwrap_or(Some('#'))
    }

    /// `into var`: a declared variable of an allowed type, set when leaving
    /// through exit `on_exit`.
    fn into(&mut self, cx: &mut Cx, allowed: &[Type], on_exit: usize) -> Option<String> {
        let v = self.props.one(cx, "into")?;
        let name = values::text(cx, v, "into")?;
        let ty = match self.scope.vars.get(&name) {
            Some(&ty) => ty,
            None if name == "language" => Type::String,
            None if BUILTINS.contains(&name.split('.').next().unwrap_or("")) => {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{name}` cannot be stored into"),
                    )
                    .label(v.span, "a built-in value")
                    .help("declare a variable for it: `var result: string`"),
                );
                return None;
            }
            None => {
                let help = did_you_mean(&name, self.scope.vars.keys().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "declare it in the header: `var {name}: {}`",
                            allowed[0].as_str()
                        )
                    });
                cx.push(
                    Diagnostic::new(
                        Code::UndeclaredVariable,
                        format!("`{name}` is not declared"),
                    )
                    .label(v.span, "unknown variable")
                    .help(help),
                );
                return None;
            }
        };
        if !allowed.contains(&ty) {
            let names: Vec<String> = allowed
                .iter()
                .map(|t| format!("`{}`", t.as_str()))
                .collect();
            cx.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "`{name}` is `{}`, but this stores {}",
                        ty.as_str(),
                        names.join(" or ")
                    ),
                )
                .label(v.span, format!("a `{}` variable", ty.as_str()))
                .help(format!("declare `{name}` as {}", names.join(" or "))),
            );
        }
        self.writes.push(Write {
            var: name.clone(),
            on_exit: Some(on_exit),
        });
        Some(name)
    }

    /// `header "Name" "value"` / `param name "value"`: one pair per property.
    fn pairs(&mut self, cx: &mut Cx, key: &'static str) -> Vec<(String, Template, Span)> {
        let mut out = Vec::new();
        for p in self.props.entries(key) {
            let [name, value] = p.values.as_slice() else {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{key}` takes a name and a value"),
                    )
                    .label(p.span, format!("{} values", p.values.len()))
                    .help(format!("write `{key} \"Name\" \"value\"`")),
                );
                continue;
            };
            let Some(name_text) = values::text(cx, name, key) else {
                continue;
            };
            if let Some(t) = self.template(cx, value, key) {
                out.push((name_text, t, name.span));
            }
        }
        out
    }

    // ----- the kinds -----

    fn say(&mut self, cx: &mut Cx) -> PendingKind {
        let written = self.props.all_of(SAY);
        if written.is_empty() {
            self.props
                .missing(cx, "text", "`text \"…\"` or `audio \"https://…\"`");
        }
        let prompts = written
            .into_iter()
            .filter_map(|(key, v)| self.prompt(cx, key, v))
            .collect();
        let loops = self.count(cx, "loop", 1, 1);
        let next = self.exit(cx, "next");
        Self::node(NodeKind::Say {
            prompts,
            loops,
            next,
        })
    }

    fn input_timeout(&mut self, cx: &mut Cx) -> u64 {
        let v = self.props.one(cx, "timeout");
        let ms = v
            .and_then(|v| values::duration_ms(cx, v, "timeout"))
            .unwrap_or(5_000);
        if let Some(v) = v {
            values::limit(
                cx,
                self.scope.targets(),
                Limit::GatherTimeout,
                ms.div_ceil(1000),
                v.span,
            );
        }
        ms
    }

    fn menu(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let timeout_ms = self.input_timeout(cx);
        let max_noinput = self.count(cx, "max_noinput", 3, 1);
        let max_nomatch = self.count(cx, "max_nomatch", 3, 1);
        let mut choices = Vec::new();
        for exit in self.exits.remaining() {
            let name = name_of(exit);
            if name == "exhausted" || choices.iter().any(|c: &Choice| c.key == name) {
                continue;
            }
            let quoted = matches!(exit.name.value, ast::ExitName::Key(_));
            if values::is_dtmf_key(name) {
                let target = self.exit(cx, name);
                choices.push(Choice {
                    key: name.to_string(),
                    target,
                });
            } else if quoted || name.chars().all(|c| c.is_ascii_digit()) {
                self.exits.skip(exit);
                cx.push(
                    Diagnostic::new(Code::DuplicateKey, format!("`{name}` is not a single key"))
                        .label(exit.name.span, "a menu choice is one key")
                        .help("use one of 0-9, * and #; to collect several digits use a `gather` node"),
                );
            }
            // Other words are left for `finish`: an unknown exit, maybe a typo of `exhausted`.
        }
        let exhausted = self.exit(cx, "exhausted");
        Self::node(NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            timeout_ms,
            max_noinput,
            max_nomatch,
            choices,
            exhausted,
        })
    }

    fn gather(&mut self, cx: &mut Cx) -> PendingKind {
        let (prompts, noinput, nomatch) = self.attempts(cx);
        let mut dtmf = false;
        let mut speech = false;
        for v in self.props.all("input") {
            // YAML may write `input: dtmf speech` as one text.
            let words: Vec<ast::Value> = match &v.value {
                Value::Str(s) if s.contains(char::is_whitespace) => s
                    .split_whitespace()
                    .map(|w| Value::Word(w.into()))
                    .collect(),
                other => vec![other.clone()],
            };
            for w in words {
                let one = crate::source::Spanned::new(w, v.span);
                match values::choice(cx, &one, "input", INPUTS) {
                    Some(0) => dtmf = true,
                    Some(_) => {
                        speech = true;
                        values::feature(
                            cx,
                            self.scope.targets(),
                            |c| c.speech_input,
                            "speech input",
                            v.span,
                        );
                    }
                    None => {}
                }
            }
        }
        let input = match (dtmf, speech) {
            (true, true) => Input::DtmfSpeech,
            (false, true) => Input::Speech,
            _ => Input::Dtmf,
        };
        let digits = self.props.one(cx, "digits");
        let exact = digits.and_then(|v| values::count(cx, v, "digits", 1));
        let min = self.props.one(cx, "min_digits");
        let max = self.props.one(cx, "max_digits");
        let min_n = min.and_then(|v| values::count(cx, v, "min_digits", 1));
        let max_n = max.and_then(|v| values::count(cx, v, "max_digits", 1));
        if let (Some(d), true) = (digits, min.is_some() || max.is_some()) {
            cx.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    "`digits` and `min_digits`/`max_digits` both set",
                )
                .label(d.span, "`digits` already sets both")
                .help(
                    "keep `digits` for an exact length, or `min_digits`/`max_digits` for a range",
                ),
            );
        }
        let (min_digits, max_digits) = match exact {
            Some(n) => (n, n),
            None => (min_n.unwrap_or(1), max_n.unwrap_or(20)),
        };
        if min_digits > max_digits {
            cx.push(
                Diagnostic::new(Code::InvalidValue, "`min_digits` is more than `max_digits`")
                    .label(
                        min.or(max).map_or(self.owner.span, |v| v.span),
                        format!("{min_digits} > {max_digits}"),
                    )
                    .help("the minimum must not exceed the maximum"),
            );
        }
        let finish_key = self.finish_key(cx);
        let timeout_ms = self.input_timeout(cx);
        let pattern = self.props.one(cx, "pattern").and_then(|v| {
            let p = values::text(cx, v, "pattern")?;
            types::pattern_ok(cx, &p, v.span).then(|| format!("^(?:{p})$"))
        });
        let max_attempts = self.count(cx, "attempts", 3, 1);
        let hints = self
            .props
            .all("hints")
            .into_iter()
            .filter_map(|v| values::text(cx, v, "hints"))
            .collect();
        if !self.props.has("into") {
            self.props
                .missing(cx, "into", "`into order_id` (a declared variable)");
        }
        let into = self.into(cx, &[Type::Digits, Type::String, Type::Number], 0);
        let done = self.exit(cx, "done");
        let exhausted = self.exit(cx, "exhausted");
        Self::node(NodeKind::Gather {
            prompts,
            noinput,
            nomatch,
            input,
            min_digits,
            max_digits,
            finish_key,
            timeout_ms,
            pattern,
            max_attempts,
            hints,
            into: into.unwrap_or_default(),
            done,
            exhausted,
        })
    }

    fn branch(&mut self, cx: &mut Cx, whens: &[&ast::When]) -> PendingKind {
        let mut arms = Vec::new();
        for w in whens {
            let (ty, when) = self.env.expr(cx, &w.condition);
            if !matches!(ty, None | Some(Type::Bool | Type::Json)) {
                let found = ty.map_or("?", Type::as_str);
                cx.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("a condition must be true or false, not `{found}`"),
                    )
                    .label(w.condition.span, format!("`{found}` here"))
                    .help("compare it: `x == \"…\"`, `x > 3`"),
                );
            }
            let target = self.exits.target(cx, self.scope, &w.target, w.span);
            arms.push(Arm { when, target });
        }
        let otherwise = self.exit(cx, "else");
        Self::node(NodeKind::Branch { arms, otherwise })
    }

    fn set(&mut self, cx: &mut Cx, assigns: &[&ast::Assign]) -> PendingKind {
        let mut out = Vec::new();
        for a in assigns {
            let (ty, value) = self.env.expr(cx, &a.value);
            let var = &a.var.value;
            let target = match self.scope.vars.get(var) {
                Some(&t) => Some(t),
                None if var == "language" => {
                    if let ast::ExprKind::Str(tag) = &a.value.kind
                        && !values::is_language_tag(tag)
                    {
                        cx.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                format!("`{tag}` is not a language tag"),
                            )
                            .label(a.value.span, "expected a BCP-47 tag")
                            .help("write a language and region, like `hi-IN`"),
                        );
                    }
                    Some(Type::String)
                }
                None if BUILTINS.contains(&var.as_str()) => {
                    cx.push(
                        Diagnostic::new(Code::InvalidValue, format!("`{var}` cannot be assigned"))
                            .label(a.var.span, "a built-in value")
                            .help("only `language` among the built-ins can be assigned"),
                    );
                    None
                }
                None => {
                    let help = did_you_mean(var, self.scope.vars.keys().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("declare it in the header: `var {var}: string`")
                        });
                    cx.push(
                        Diagnostic::new(
                            Code::UndeclaredVariable,
                            format!("`{var}` is not declared"),
                        )
                        .label(a.var.span, "unknown variable")
                        .help(help),
                    );
                    None
                }
            };
            if let Some(t) = target {
                types::check_assign(cx, var, t, ty, &a.value);
            }
            self.env.assigned.push(var.clone());
            if !self.writes.iter().any(|w| &w.var == var) {
                self.writes.push(Write {
                    var: var.clone(),
                    on_exit: None,
                });
            }
            out.push(Assignment {
                var: var.clone(),
                value,
            });
        }
        let next = self.exit(cx, "next");
        Self::node(NodeKind::Set { assigns: out, next })
    }

    fn hours(&mut self, cx: &mut Cx) -> PendingKind {
        let opens = self.props.all("open");
        if opens.is_empty() {
            self.props
                .missing(cx, "open", "`open \"Mon-Fri 09:00-18:00\"`");
        }
        let mut weekly = Vec::new();
        for v in opens {
            let Some(spec) = values::text(cx, v, "open") else {
                continue;
            };
            match hours::parse_open(&spec) {
                Ok(intervals) => weekly.extend(intervals),
                Err(why) => cx.push(
                    Diagnostic::new(Code::MalformedHours, format!("malformed opening hours `{spec}`"))
                        .label(v.span, why)
                        .help("write days then times: `\"Mon-Fri 09:00-18:00\"`, `\"Sat,Sun 10:00-14:00\"`, `\"Fri 22:00-02:00\"`"),
                ),
            }
        }
        let mut holidays = Vec::new();
        for v in self.props.all("holiday") {
            let Some(text) = values::text(cx, v, "holiday") else {
                continue;
            };
            match hours::parse_holiday(&text) {
                Ok(date) => holidays.push(date),
                Err(why) => cx.push(
                    Diagnostic::new(Code::MalformedHours, format!("malformed holiday `{text}`"))
                        .label(v.span, why)
                        .help("write the date as `\"2026-12-25\"`"),
                ),
            }
        }
        holidays.sort();
        holidays.dedup();
        let open = self.exit(cx, "open");
        let closed = self.exit(cx, "closed");
        Self::node(NodeKind::Hours {
            weekly: hours::normalise(weekly),
            holidays,
            open,
            closed,
        })
    }

    fn transfer(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, PROMPT);
        let written = self.props.all("to");
        if written.is_empty() {
            self.props.missing(cx, "to", "`to \"+918045671200\"`");
        }
        let mut to = Vec::new();
        for v in written {
            let Some(t) = self.template(cx, v, "to") else {
                continue;
            };
            match values::literal(&t) {
                Some(s) if s.starts_with("sip:") => {
                    values::feature(
                        cx,
                        self.scope.targets(),
                        |c| c.sip_transfer,
                        "transfer to a SIP address",
                        v.span,
                    );
                }
                _ => values::phone(cx, &t, v.span),
            }
            to.push(t);
        }
        let caller_id = self.props.one(cx, "caller_id").and_then(|v| {
            let t = self.template(cx, v, "caller_id")?;
            values::phone(cx, &t, v.span);
            Some(t)
        });
        let ring_timeout_s = self.secs(cx, "ring_timeout", 30, Some(Limit::RingTimeout));
        let record = self.flag(cx, "record", false);
        let answered = self.exit(cx, "answered");
        let busy = self.exit(cx, "busy");
        let no_answer = self.exit(cx, "no_answer");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Transfer {
            prompt,
            to,
            caller_id,
            ring_timeout_s,
            record,
            answered,
            busy,
            no_answer,
            failed,
        })
    }

    fn queue(&mut self, cx: &mut Cx, node_name: &str) -> PendingKind {
        values::feature(
            cx,
            self.scope.targets(),
            |c| c.queue,
            "queues",
            self.owner.span,
        );
        let name = match self.props.one(cx, "name") {
            Some(v) => {
                let name = values::text(cx, v, "name").unwrap_or_else(|| node_name.to_string());
                values::limit(
                    cx,
                    self.scope.targets(),
                    Limit::QueueName,
                    name.chars().count() as u64,
                    v.span,
                );
                name
            }
            None => node_name.to_string(),
        };
        let prompt = self.optional_prompt(cx, PROMPT);
        let hold_music = self.props.one(cx, "hold_music").and_then(|v| {
            let t = self.template(cx, v, "hold_music")?;
            let Some(url) = values::literal(&t) else {
                cx.push(
                    Diagnostic::new(Code::InvalidTemplate, "`hold_music` cannot hold variables")
                        .label(v.span, "a template here")
                        .help("write the full URL of the music"),
                );
                return None;
            };
            values::url(cx, &t, v.span, "hold_music", &["http", "https"]);
            Some(url)
        });
        let position_every_s = self
            .props
            .one(cx, "announce_every")
            .and_then(|v| values::seconds(cx, v, "announce_every"));
        let max_wait_s = self.secs(cx, "max_wait", 600, None);
        let bridged = self.exit(cx, "bridged");
        let timeout = self.exit(cx, "timeout");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Queue {
            name,
            prompt,
            hold_music,
            position_every_s,
            max_wait_s,
            bridged,
            timeout,
            failed,
        })
    }

    fn record(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, PROMPT);
        let max_length_s = self.secs(cx, "max_length", 120, Some(Limit::RecordMaxLength));
        let beep = self.flag(cx, "beep", true);
        let finish_key = self.finish_key(cx);
        let timeout_s = self.secs(cx, "timeout", 5, None);
        let into = self.into(cx, &[Type::String], 0);
        let done = self.exit(cx, "done");
        let empty = self.exit(cx, "empty");
        Self::node(NodeKind::Record {
            prompt,
            max_length_s,
            beep,
            finish_key,
            timeout_s,
            into,
            done,
            empty,
        })
    }

    fn http(&mut self, cx: &mut Cx) -> PendingKind {
        let method = self
            .props
            .one(cx, "method")
            .and_then(|v| values::choice(cx, v, "method", METHODS))
            .map_or(Method::Get, |i| {
                [
                    Method::Get,
                    Method::Post,
                    Method::Put,
                    Method::Patch,
                    Method::Delete,
                ][i]
            });
        let url = match self
            .props
            .required(cx, "url", "`url \"https://api.example.com/…\"`")
        {
            Some(v) => self.template(cx, v, "url").inspect(|t| {
                values::url(cx, t, v.span, "url", &["http", "https"]);
            }),
            None => None,
        };
        let headers = self
            .pairs(cx, "header")
            .into_iter()
            .map(|(n, t, _)| (n, t))
            .collect();
        let body = self
            .props
            .one(cx, "body")
            .and_then(|v| self.template(cx, v, "body"));
        let timeout_ms = self.ms(cx, "timeout", 3_000);
        let into = self.into(cx, &[Type::Json], 0);
        let ok = self.exit(cx, "ok");
        let error = self.exit(cx, "error");
        Self::node(NodeKind::Http {
            method,
            url: url.unwrap_or_default(),
            headers,
            body,
            timeout_ms,
            into,
            ok,
            error,
        })
    }

    fn sms(&mut self, cx: &mut Cx) -> PendingKind {
        let to = self
            .props
            .required(cx, "to", "`to \"{call.from}\"`")
            .and_then(|v| {
                let t = self.template(cx, v, "to")?;
                values::phone(cx, &t, v.span);
                Some(t)
            });
        let text = self
            .props
            .required(cx, "text", "`text \"…\"`")
            .and_then(|v| {
                let t = self.template(cx, v, "text")?;
                let chars = t.display().chars().count() as u64;
                values::limit(cx, self.scope.targets(), Limit::SmsText, chars, v.span);
                Some(t)
            });
        let sent = self.exit(cx, "sent");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Sms {
            to: to.unwrap_or_default(),
            text: text.unwrap_or_default(),
            sent,
            failed,
        })
    }

    fn ai(&mut self, cx: &mut Cx) -> PendingKind {
        let url = match self
            .props
            .required(cx, "url", "`url \"wss://agents.example.com/…\"`")
        {
            Some(v) => self.template(cx, v, "url").inspect(|t| {
                values::url(cx, t, v.span, "url", &["ws", "wss"]);
            }),
            None => None,
        };
        let greeting = self.optional_prompt(cx, &["greeting"]);
        let mut params: Vec<(String, Template)> = Vec::new();
        let written = self.pairs(cx, "param");
        for (name, t, span) in written.iter().cloned() {
            if params.iter().any(|(n, _)| *n == name) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("parameter `{name}` is passed twice"),
                    )
                    .label(span, "again here")
                    .help("pass each parameter once"),
                );
                continue;
            }
            params.push((name, t));
        }
        for &provider in self.scope.targets() {
            let max = crate::check::capabilities::of(provider).max_ai_params;
            if let Some(max) = max
                && params.len() > max
            {
                let span = written.get(max).map_or(self.owner.span, |(_, _, s)| *s);
                cx.push(
                    Diagnostic::new(
                        Code::Unsupported,
                        format!("{} passes at most {max} parameters to an agent", provider.as_str()),
                    )
                    .label(span, format!("parameter {} of {}", max + 1, params.len()))
                    .help(format!(
                        "pass at most {max}, e.g. fold them into one JSON text, or remove `{}` from `targets`",
                        provider.as_str()
                    )),
                );
            }
        }
        let into = self.into(cx, &[Type::Json], 0);
        let done = self.exit(cx, "done");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Ai {
            url: url.unwrap_or_default(),
            greeting,
            params,
            into,
            done,
            failed,
        })
    }

    fn hangup(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, SAY);
        Self::node(NodeKind::Hangup { prompt })
    }

    fn run(&mut self, cx: &mut Cx, assigns: &[&ast::Assign]) -> PendingKind {
        let module = self
            .props
            .required(cx, "module", "`module name_of_module`")
            .and_then(|v| Some((values::text(cx, v, "module")?, v.span)));
        let signature = module.as_ref().and_then(|(name, span)| {
            let found = self.scope.modules.get(name);
            if found.is_none() {
                let help = did_you_mean(name, self.scope.modules.keys().map(String::as_str))
                    .unwrap_or_else(|| "define it in this file: `module name { … }`".into());
                cx.structural(
                    Diagnostic::new(Code::UnknownModule, format!("no module named `{name}`"))
                        .label(*span, "unknown module")
                        .help(help),
                );
            }
            found
        });
        if module.is_none() {
            cx.structural = true;
        }
        let mut out: Vec<Assignment> = Vec::new();
        for a in assigns {
            let (ty, value) = self.env.expr(cx, &a.value);
            let name = &a.var.value;
            if let Some(sig) = signature {
                match sig.params.iter().find(|(p, _)| p == name) {
                    Some((_, t)) => types::check_assign(cx, name, *t, ty, &a.value),
                    None => {
                        let help = did_you_mean(name, sig.params.iter().map(|(p, _)| p.as_str()))
                            .unwrap_or_else(|| {
                                "the module declares its parameters with `param`".into()
                            });
                        cx.push(
                            Diagnostic::new(
                                Code::UnknownField,
                                format!("the module has no parameter `{name}`"),
                            )
                            .label(a.var.span, "unknown parameter")
                            .help(help),
                        );
                    }
                }
            }
            if out.iter().any(|o| &o.var == name) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("parameter `{name}` is set twice"),
                    )
                    .label(a.var.span, "again here")
                    .help("set each parameter once"),
                );
                continue;
            }
            out.push(Assignment {
                var: name.clone(),
                value,
            });
        }
        let mut returns = Vec::new();
        match signature {
            Some(sig) => {
                for (param, _) in &sig.params {
                    if !out.iter().any(|a| &a.var == param) {
                        cx.push(
                            Diagnostic::new(
                                Code::MissingField,
                                format!("{} does not set parameter `{param}`", self.owner.what),
                            )
                            .label(self.owner.span, format!("`{param}` is not set"))
                            .help(format!("add `{param} = …`")),
                        );
                    }
                }
                for r in &sig.returns {
                    self.exit(cx, r);
                    returns.push(r.clone());
                }
            }
            None => {
                // Unknown module: still check where the exits lead.
                for exit in self.exits.remaining() {
                    self.exits.skip(exit);
                    self.scope
                        .check_target(cx, &exit.target.value, exit.target.span);
                }
            }
        }
        PendingKind::Run {
            module: module.map(|(m, _)| m).unwrap_or_default(),
            assigns: out,
            returns,
        }
    }
}
