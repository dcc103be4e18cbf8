//! A node's exits. Each exit the kind has is *taken* by name, in the order of
//! `NodeKind::exits()`, and becomes a slot: `NodeId(i)` stands for the i-th
//! taken target until the graph is laid out. An exit the kind needs but the
//! author did not write is E004; one the kind does not have is E005.

use super::props::Owner;
use super::{Cx, Scope, values};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::NodeId;
use crate::source::{Span, Spanned};
use crate::syntax::ast::{self, ExitName};

pub(super) struct Exits<'a> {
    written: Vec<&'a ast::Exit>,
    used: Vec<bool>,
    /// Target and where the exit is written, per slot.
    pub slots: Vec<(ast::Target, Span)>,
    /// Exit names this kind has (for "did you mean").
    expected: Vec<String>,
    /// Exits the kind needs that are not written.
    missing: Vec<String>,
}

pub(super) fn name_of(exit: &ast::Exit) -> &str {
    match &exit.name.value {
        ExitName::Word(w) | ExitName::Key(w) => w,
    }
}

impl<'a> Exits<'a> {
    pub fn new(written: Vec<&'a ast::Exit>) -> Self {
        Exits {
            used: vec![false; written.len()],
            written,
            slots: Vec::new(),
            expected: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// The written exits not yet taken, in order.
    pub fn remaining(&self) -> Vec<&'a ast::Exit> {
        self.written
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(e, _)| *e)
            .collect()
    }

    /// Mark an exit as dealt with (it was reported otherwise).
    pub fn skip(&mut self, exit: &ast::Exit) {
        for (e, used) in self.written.iter().zip(self.used.iter_mut()) {
            if std::ptr::eq(*e, exit) {
                *used = true;
            }
        }
    }

    /// Take the exit called `name`; reports it missing or written twice.
    pub fn take(&mut self, cx: &mut Cx, scope: &Scope, owner: &Owner, name: &str) -> NodeId {
        self.expected.push(name.to_string());
        let matches: Vec<usize> = (0..self.written.len())
            .filter(|&i| !self.used[i] && name_of(self.written[i]) == name)
            .collect();
        let Some(&first) = matches.first() else {
            // Reported at `finish`, unless an unknown exit is a misspelling of it.
            cx.structural = true;
            self.missing.push(name.to_string());
            return self.slot(ast::Target::Node(String::new()), owner.span);
        };
        for &i in &matches {
            self.used[i] = true;
        }
        for &i in &matches[1..] {
            let (what, a) = if values::is_dtmf_key(name) {
                ("key", "a key")
            } else {
                ("exit", "an exit")
            };
            cx.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    format!("{what} `{name}` is written twice"),
                )
                .label(self.written[i].name.span, "written again here")
                .label(self.written[first].name.span, "first written here")
                .help(format!("{a} leads to one place; remove one of them")),
            );
        }
        let exit = self.written[first];
        scope.check_target(cx, &exit.target.value, exit.target.span);
        self.slot(exit.target.value.clone(), exit.span)
    }

    /// Take the exit called `name` if it is written; an optional exit is
    /// never reported missing.
    pub fn optional(
        &mut self,
        cx: &mut Cx,
        scope: &Scope,
        owner: &Owner,
        name: &str,
    ) -> Option<NodeId> {
        if self.remaining().iter().any(|e| name_of(e) == name) {
            Some(self.take(cx, scope, owner, name))
        } else {
            self.expected.push(name.to_string());
            None
        }
    }

    /// A slot for a target not written as an exit (a `when` arm).
    pub fn target(
        &mut self,
        cx: &mut Cx,
        scope: &Scope,
        target: &Spanned<ast::Target>,
        span: Span,
    ) -> NodeId {
        scope.check_target(cx, &target.value, target.span);
        self.slot(target.value.clone(), span)
    }

    fn slot(&mut self, target: ast::Target, span: Span) -> NodeId {
        self.slots.push((target, span));
        NodeId(self.slots.len() as u32 - 1)
    }

    /// Report exits the kind does not have, and those it needs but lacks.
    pub fn finish(self, cx: &mut Cx, owner: &Owner, kind: &str) {
        let mut suggested: Vec<&str> = Vec::new();
        for (exit, used) in self.written.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let name = name_of(exit);
            // Only an exit still missing is a fix: suggesting one already
            // written would make a duplicate.
            let guess = did_you_mean(name, self.missing.iter().map(String::as_str));
            // A misspelt exit is one mistake: report the spelling only.
            if let Some(guess) = &guess {
                let meant = self.missing.iter().map(String::as_str);
                suggested.extend(meant.filter(|m| *guess == format!("did you mean `{m}`?")));
            }
            let help = guess.unwrap_or_else(|| {
                if self.expected.is_empty() {
                    format!("a `{kind}` node has no exits; remove this line")
                } else {
                    format!("{} has: {}", owner.what, self.expected.join(", "))
                }
            });
            cx.push(
                Diagnostic::new(
                    Code::UnknownExit,
                    format!("a `{kind}` node has no exit `{name}`"),
                )
                .label(exit.name.span, "unknown exit")
                .help(help),
            );
        }
        let missing: Vec<&str> = self
            .missing
            .iter()
            .map(String::as_str)
            .filter(|m| !suggested.contains(m))
            .collect();
        // All of one node's missing exits are one mistake: one diagnostic.
        match missing.as_slice() {
            [] => {}
            [name] => cx.push(
                Diagnostic::new(
                    Code::MissingExit,
                    format!("{} has no `{name}` exit", owner.what),
                )
                .label(owner.span, format!("where does `{name}` go?"))
                .help(format!(
                    "add `{name} -> <node>`: every exit must lead somewhere"
                )),
            ),
            [init @ .., last] => {
                let list = init
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let lines = missing
                    .iter()
                    .map(|m| format!("`{m} -> <node>`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.push(
                    Diagnostic::new(
                        Code::MissingExit,
                        format!("{} has no {list} or `{last}` exit", owner.what),
                    )
                    .label(
                        owner.span,
                        format!("where do these {} exits go?", missing.len()),
                    )
                    .help(format!("add {lines}: every exit must lead somewhere")),
                );
            }
        }
    }
}
