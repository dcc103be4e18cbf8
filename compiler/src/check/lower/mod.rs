//! Per-node checks and lowering to the graph.
//!
//! The work happens per unit (the flow, then each module once): the header and
//! variables ([`unit`]), then each node ([`node`]), reading properties through
//! [`props::Props`] so that whatever a node kind did not ask for is reported as
//! unknown. A node's exits become numbered *slots* holding the written target;
//! only when every unit is free of structural errors does [`module`] lay the
//! nodes out in one table, inline each `run` of a module and resolve the slots
//! to [`NodeId`]s. Diagnostics are collected in one pass; nothing here panics
//! on any AST.

mod exits;
mod hours;
mod input_vars;
mod module;
mod node;
mod pitfalls;
mod props;
mod types;
mod unit;
mod values;
mod zones;

use std::collections::HashMap;

use super::{NodeSpans, SourceMap};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{self, Graph, NodeKind, Provider, Type, VarDef};
use crate::source::Span;
use crate::syntax::ast;

pub struct Lowered {
    pub graph: Option<Graph>,
    pub map: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lower a parsed file: every problem found, and the graph when nothing
/// structural (an unresolved target, an unknown node kind…) stands in the way.
pub fn lower(file: &ast::File) -> Lowered {
    let mut cx = Cx::default();
    let mut lowered = Lowered {
        graph: None,
        map: SourceMap::default(),
        diagnostics: Vec::new(),
    };
    let mut flows = file.units.iter().filter(|u| u.kind == ast::UnitKind::Flow);
    let flow = flows.next();
    for extra in flows {
        cx.push(
            Diagnostic::new(Code::NoFlow, "a file holds exactly one flow")
                .label(extra.name.span, "a second flow")
                .help("move this flow into its own file"),
        );
    }
    let Some(flow) = flow else {
        let span = file.units.first().map_or(Span::default(), |u| u.name.span);
        cx.push(
            Diagnostic::new(Code::NoFlow, "no flow in this file")
                .label(span, "expected a `flow name { … }`")
                .help("a file holds one `flow` (and any modules it runs)"),
        );
        // Modules are still checked, so their mistakes show up too.
        let header = unit::Header::fallback();
        let signatures = unit::signatures(&mut cx, file);
        for module in file.units.iter() {
            unit::body(&mut cx, module, &header, &signatures);
        }
        lowered.diagnostics = cx.diagnostics;
        return lowered;
    };

    let header = unit::header(&mut cx, flow);
    let signatures = unit::signatures(&mut cx, file);
    let mut modules = HashMap::new();
    for module in file
        .units
        .iter()
        .filter(|u| u.kind == ast::UnitKind::Module)
    {
        let body = unit::body(&mut cx, module, &header, &signatures);
        modules.entry(module.name.value.clone()).or_insert(body);
    }
    let body = unit::body(&mut cx, flow, &header, &signatures);
    if body.has_hours && !header.timezone_written {
        cx.push(
            Diagnostic::new(Code::MissingField, "the flow has `hours` but no `timezone`")
                .label(flow.name.span, "this flow needs a time zone")
                .help("add `timezone \"Asia/Kolkata\"` (an IANA name) to the flow header"),
        );
    }
    module::check_cycles(&mut cx, file, &modules);

    if !cx.structural
        && let Some((mut graph, map)) = module::emit(&header, &body, &modules)
    {
        pitfalls::voice_languages(&mut cx, &header, &graph);
        if cx.reads_answered_by {
            graph.reads_answered_by = true;
            graph::stamp(&mut graph);
        }
        lowered.graph = Some(graph);
        lowered.map = map;
    }
    lowered.diagnostics = cx.diagnostics;
    lowered
}

/// Diagnostics so far, and whether one of them leaves the graph unbuildable.
#[derive(Default)]
struct Cx {
    pub diagnostics: Vec<Diagnostic>,
    /// A target that does not resolve, a node that could not be built: no graph.
    pub structural: bool,
    /// Some node reads `call.answered_by` (see `Graph::reads_answered_by`).
    pub reads_answered_by: bool,
    /// JSON fields compared with a literal so far: (unit, `order.total`) →
    /// the type compared with, where, and whether a clash was reported (E037).
    pub field_uses: HashMap<(String, String), types::FieldUse>,
}

impl Cx {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// A diagnostic that also means no graph can be built.
    pub fn structural(&mut self, diagnostic: Diagnostic) {
        self.structural = true;
        self.push(diagnostic);
    }
}

/// What a unit (the flow or a module) knows while its nodes are lowered.
struct Scope<'a> {
    pub header: &'a unit::Header,
    /// The flow's or module's name.
    pub unit: &'a str,
    pub is_module: bool,
    /// Declared variables (and, in a module, parameters).
    pub vars: HashMap<String, Type>,
    /// The declared fields of json variables that have a shape.
    pub shapes: HashMap<String, Vec<types::Field>>,
    /// Names of the unit's nodes, for target checks.
    pub nodes: Vec<&'a str>,
    /// The same names, to look a target up without a scan per exit.
    pub known: std::collections::HashSet<&'a str>,
    /// The module's named returns.
    pub returns: Vec<String>,
    pub modules: &'a HashMap<String, unit::Signature>,
    /// Variables holding unchecked caller input (see [`input_vars`]).
    pub caller_input: std::collections::HashSet<String>,
}

impl Scope<'_> {
    pub fn targets(&self) -> &[Provider] {
        &self.header.targets
    }

    pub fn language(&self) -> &str {
        &self.header.language
    }

    /// Report a target that does not resolve in this unit; true when it does.
    pub fn check_target(&self, cx: &mut Cx, target: &ast::Target, span: Span) -> bool {
        match target {
            ast::Target::Node(name) if self.known.contains(name.as_str()) => true,
            ast::Target::Node(name) => {
                let help = did_you_mean(name, self.nodes.iter().copied())
                    .unwrap_or_else(|| "exits lead to a node of this flow, by its name".into());
                cx.structural(
                    Diagnostic::new(Code::UnknownTarget, format!("no node named `{name}`"))
                        .label(span, "this target does not exist")
                        .help(help),
                );
                false
            }
            ast::Target::Return(name) if !self.is_module => {
                cx.structural(
                    Diagnostic::new(
                        Code::UnknownTarget,
                        format!("`return {name}` outside a module"),
                    )
                    .label(span, "a flow has nothing to return to")
                    .help("lead this exit to a node; `return` is for modules"),
                );
                false
            }
            ast::Target::Return(name) if self.returns.contains(name) => true,
            ast::Target::Return(name) => {
                let help = did_you_mean(name, self.returns.iter().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "declare it with `returns {name}`, or use one of: {}",
                            self.returns.join(", ")
                        )
                    });
                cx.structural(
                    Diagnostic::new(
                        Code::UnknownTarget,
                        format!("the module has no return `{name}`"),
                    )
                    .label(span, "not a declared return")
                    .help(help),
                );
                false
            }
        }
    }
}

/// A lowered unit: its variables and nodes, targets not yet resolved.
struct Body {
    pub start: Option<String>,
    pub start_span: Span,
    pub vars: Vec<VarDef>,
    pub nodes: Vec<Pending>,
    pub has_hours: bool,
}

/// A node whose exits are still slots: `NodeId(i)` inside `kind` means
/// `targets[i]`.
struct Pending {
    pub name: String,
    pub spans: NodeSpans,
    /// Where each slot's exit is written.
    pub slot_spans: Vec<Span>,
    pub targets: Vec<ast::Target>,
    pub kind: PendingKind,
}

enum PendingKind {
    Node(NodeKind),
    /// `run name { module m; p = expr; r -> target }`: a `set` of the
    /// parameters, then the module's nodes. `returns[i]` leaves through slot i.
    Run {
        module: String,
        assigns: Vec<graph::Assignment>,
        returns: Vec<String>,
    },
}

/// Names that are always there and cannot be declared.
const BUILTINS: &[&str] = &["call", "language", "env"];

/// The fields of `call`.
const CALL_FIELDS: &[&str] = &["from", "to", "direction", "sid", "answered_by"];

#[cfg(test)]
mod menu_tests;
#[cfg(test)]
mod prompt_tests;
#[cfg(test)]
mod target_tests;
#[cfg(test)]
mod tests;
