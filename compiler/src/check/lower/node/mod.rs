//! One node: its kind, properties, exits, conditions and assignments, with
//! the defaults of docs/LANGUAGE.md filled in.

mod caller;
mod connect;
mod entry;
mod keyed;
mod logic;
mod menu;
mod prompt;

use prompt::SAY_LINES;

use super::exits::{Exits, name_of};
use super::props::{Owner, Props, Val};
use super::types::{self, Env};
use super::{BUILTINS, Cx, Pending, PendingKind, Scope, hours, values};
use crate::check::capabilities::Limit;
use crate::check::{NodeSpans, Write};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{
    Address, Arm, Assignment, Choice, Input, Method, NodeId, NodeKind, Prompt, Share, Template,
    Type,
};
use crate::source::Span;
use crate::syntax::ast::{self, Item, Kind, NODE_KINDS, Value};

/// Lower one node; `None` when its kind is unknown.
pub(super) fn lower(cx: &mut Cx, scope: &Scope, node: &ast::Node) -> Option<Pending> {
    let kind = node.kind.value.as_str();
    let Some(known) = Kind::of(kind) else {
        let help = did_you_mean(kind, NODE_KINDS.iter().copied())
            .unwrap_or_else(|| format!("the node kinds are: {}", NODE_KINDS.join(", ")));
        cx.structural(
            Diagnostic::new(Code::UnknownKind, format!("unknown node kind `{kind}`"))
                .label(node.kind.span, "not a node kind")
                .help(help),
        );
        return None;
    };
    let owner = Owner::node(node);
    let mut props = Vec::new();
    let mut exits = Vec::new();
    let mut whens = Vec::new();
    let mut assigns = Vec::new();
    for item in &node.items {
        match item {
            Item::Property(p) => props.push(p),
            Item::Exit(e) => {
                if let (false, Some(extra)) = (kind == "menu", e.also.first()) {
                    cx.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "only a menu choice lists several entries",
                        )
                        .label(extra.span, "a second entry")
                        .help("write one exit name before `->`"),
                    );
                }
                exits.push(e)
            }
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
        env: Env::new(&scope.vars, kind == "http").with_shapes(scope.unit, &scope.shapes),
        writes: Vec::new(),
        owner,
    };
    let lowered = match known {
        Kind::Say | Kind::Play => b.say(cx),
        Kind::Menu => b.menu(cx),
        Kind::Gather => b.gather(cx),
        Kind::Branch => b.branch(cx, &whens),
        Kind::Set => b.set(cx, &assigns),
        Kind::Split => b.split(cx),
        Kind::Hours => b.hours(cx),
        Kind::Transfer => b.transfer(cx),
        Kind::Queue => b.queue(cx, &node.name.value),
        Kind::Record => b.record(cx),
        Kind::RecordCall => b.record_call(cx),
        Kind::Http => b.http(cx),
        Kind::Sms => b.sms(cx),
        Kind::Ai => b.ai(cx),
        Kind::Hangup => b.hangup(cx),
        Kind::Run => b.run(cx, &assigns),
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

    /// A template that is not spoken (a URL, a number, an SMS…): no
    /// `{var:format}` holes, which only say how speech reads a value.
    fn template(&mut self, cx: &mut Cx, v: Val, key: &str) -> Option<Template> {
        let text = values::text(cx, v, key)?;
        let t = self.env.template(cx, &text, v.span)?;
        if let Some((path, how)) = t.spoken() {
            cx.push(
                Diagnostic::new(
                    Code::InvalidTemplate,
                    format!(
                        "`{key}` is not spoken: `:{}` has nothing to do here",
                        how.as_str()
                    ),
                )
                .label(v.span, format!("`{{{}:{}}}`", path.join("."), how.as_str()))
                .help(format!(
                    "write `{{{}}}`; formats such as `:digits` are for text the caller hears",
                    path.join(".")
                )),
            );
        }
        Some(t)
    }

    /// A duration in milliseconds, or the default.
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
        self.stored(cx, v, "into", allowed, on_exit)
    }

    /// The variable `v` names, which `key` stores into: declared, of an
    /// allowed type, set when leaving through exit `on_exit`.
    fn stored(
        &mut self,
        cx: &mut Cx,
        v: Val,
        key: &str,
        allowed: &[Type],
        on_exit: usize,
    ) -> Option<String> {
        let name = values::text(cx, v, key)?;
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
}
