//! Laying out the graph: the flow's nodes in one table, each `run X` of a
//! module becoming a `set` node (named X) of the module's parameters, followed
//! by a private copy of the module's nodes (`X/ask`) and variables
//! (`X/answer`). A module's `return r` leads wherever the `run` node's exit
//! `r` leads. Runs inside modules nest: `X/Y/ask`.

use std::collections::HashMap;

use super::unit::Header;
use super::{Body, Cx, PendingKind};
use crate::check::{NodeSpans, SourceMap, Write};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{
    self, Assignment, Expr, Graph, Node, NodeId, NodeKind, Prompt, Template, VarDef,
};
use crate::syntax::ast;

/// A module that runs itself, directly or through others, would be inlined
/// without end.
pub(super) fn check_cycles(cx: &mut Cx, file: &ast::File, modules: &HashMap<String, Body>) {
    fn runs(body: &Body) -> Vec<&str> {
        body.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                PendingKind::Run { module, .. } => Some(module.as_str()),
                PendingKind::Node(_) => None,
            })
            .collect()
    }
    for unit in file
        .units
        .iter()
        .filter(|u| u.kind == ast::UnitKind::Module)
    {
        let name = unit.name.value.as_str();
        let mut stack: Vec<Vec<&str>> = vec![vec![name]];
        let mut seen: Vec<&str> = Vec::new();
        let mut cycle = None;
        while let Some(path) = stack.pop() {
            let last = *path.last().unwrap_or(&name);
            let Some(body) = modules.get(last) else {
                continue;
            };
            for next in runs(body) {
                let mut longer = path.clone();
                longer.push(next);
                if next == name {
                    cycle = Some(longer);
                    break;
                }
                if !seen.contains(&next) {
                    seen.push(next);
                    stack.push(longer);
                }
            }
            if cycle.is_some() {
                break;
            }
        }
        if let Some(path) = cycle {
            cx.structural(
                Diagnostic::new(Code::UnknownModule, format!("module `{name}` runs itself"))
                    .label(unit.name.span, format!("runs {}", path.join(" → ")))
                    .help("a module cannot run itself, even through another module; loop with an exit instead"),
            );
        }
    }
}

/// The graph and its source map; `None` if something does not resolve (which
/// the checks have already reported).
pub(super) fn emit(
    header: &Header,
    flow: &Body,
    modules: &HashMap<String, Body>,
) -> Option<(Graph, SourceMap)> {
    let mut e = Emitter {
        modules,
        // At least the flow's own nodes (each `run` adds its module's).
        nodes: Vec::with_capacity(flow.nodes.len()),
        spans: Vec::with_capacity(flow.nodes.len()),
        vars: Vec::new(),
        depth: 0,
    };
    let start = e.body(flow, "", &HashMap::new())?;
    let mut graph = Graph {
        format: graph::FORMAT,
        version: String::new(),
        flow: header.name.clone(),
        language: header.language.clone(),
        voice: header.voice.clone(),
        voices: header.voices.clone(),
        timezone: header.timezone.clone().unwrap_or_else(|| "UTC".into()),
        targets: header.targets.clone(),
        vars: e.vars,
        start,
        nodes: e.nodes,
        reads_answered_by: false,
    };
    graph::stamp(&mut graph);
    let map = SourceMap {
        start: flow.start_span,
        nodes: e.spans,
        max_prompts: header.max_prompts,
    };
    Some((graph, map))
}

struct Emitter<'a> {
    modules: &'a HashMap<String, Body>,
    nodes: Vec<Node>,
    spans: Vec<NodeSpans>,
    vars: Vec<VarDef>,
    depth: usize,
}

impl Emitter<'_> {
    /// Lay out one body under `prefix`; returns its start node.
    fn body(
        &mut self,
        body: &Body,
        prefix: &str,
        returns: &HashMap<&str, NodeId>,
    ) -> Option<NodeId> {
        if self.depth > 32 {
            return None;
        }
        let locals: Vec<&str> = body.vars.iter().map(|v| v.name.as_str()).collect();
        let rename = |name: &str| -> String {
            if !prefix.is_empty() && locals.contains(&name) {
                format!("{prefix}{name}")
            } else {
                name.to_string()
            }
        };
        for v in &body.vars {
            self.vars.push(VarDef {
                name: rename(&v.name),
                ..v.clone()
            });
        }
        let base = self.nodes.len();
        let mut ids: HashMap<&str, NodeId> = HashMap::new();
        for (i, p) in body.nodes.iter().enumerate() {
            ids.insert(p.name.as_str(), NodeId((base + i) as u32));
            self.nodes.push(Node {
                name: format!("{prefix}{}", p.name),
                kind: NodeKind::Hangup { prompt: None },
            });
            self.spans.push(NodeSpans::default());
        }
        for (i, p) in body.nodes.iter().enumerate() {
            let resolved: Vec<NodeId> = p
                .targets
                .iter()
                .map(|t| match t {
                    ast::Target::Node(n) => ids.get(n.as_str()).copied(),
                    ast::Target::Return(r) => returns.get(r.as_str()).copied(),
                })
                .collect::<Option<_>>()?;
            let mut spans = NodeSpans {
                name: p.spans.name,
                span: p.spans.span,
                exits: Vec::new(),
                reads: p.spans.reads.iter().map(|(v, s)| (rename(v), *s)).collect(),
                writes: Vec::new(),
            };
            let kind = match &p.kind {
                PendingKind::Node(k) => {
                    spans.exits = k
                        .exits()
                        .iter()
                        .map(|(_, slot)| {
                            p.slot_spans.get(slot.index()).copied().unwrap_or_default()
                        })
                        .collect();
                    spans.writes = p
                        .spans
                        .writes
                        .iter()
                        .map(|w| Write {
                            var: rename(&w.var),
                            on_exit: w.on_exit,
                        })
                        .collect();
                    let mut k = k.clone();
                    retarget(&mut k, &mut |slot| {
                        resolved.get(slot.index()).copied().unwrap_or(slot)
                    });
                    rename_kind(&mut k, &rename);
                    k
                }
                PendingKind::Run {
                    module,
                    assigns,
                    returns: names,
                } => {
                    let sub = self.modules.get(module)?;
                    let sub_prefix = format!("{prefix}{}/", p.name);
                    let back: HashMap<&str, NodeId> = names
                        .iter()
                        .map(String::as_str)
                        .zip(resolved.iter().copied())
                        .collect();
                    self.depth += 1;
                    let next = self.body(sub, &sub_prefix, &back)?;
                    self.depth -= 1;
                    let assigns: Vec<Assignment> = assigns
                        .iter()
                        .map(|a| {
                            let mut value = a.value.clone();
                            rename_expr(&mut value, &rename);
                            Assignment {
                                var: format!("{sub_prefix}{}", a.var),
                                value,
                            }
                        })
                        .collect();
                    spans.exits = vec![p.spans.name];
                    spans.writes = assigns
                        .iter()
                        .map(|a| Write {
                            var: a.var.clone(),
                            on_exit: None,
                        })
                        .collect();
                    NodeKind::Set { assigns, next }
                }
            };
            self.nodes[base + i].kind = kind;
            self.spans[base + i] = spans;
        }
        ids.get(body.start.as_deref()?).copied()
    }
}

/// Every exit of a node, mutably, in `NodeKind::exits()` order.
fn retarget(kind: &mut NodeKind, f: &mut impl FnMut(NodeId) -> NodeId) {
    let mut each = |ids: &mut [&mut NodeId]| {
        for id in ids {
            **id = f(**id);
        }
    };
    match kind {
        NodeKind::Say { next, .. } | NodeKind::Set { next, .. } | NodeKind::RecordCall { next } => {
            each(&mut [next])
        }
        NodeKind::Menu {
            choices,
            exhausted,
            noinput_exhausted,
            nomatch_exhausted,
            visits,
            ..
        } => {
            let mut ids: Vec<&mut NodeId> = choices.iter_mut().map(|c| &mut c.target).collect();
            ids.push(exhausted);
            ids.extend(noinput_exhausted.as_mut());
            ids.extend(nomatch_exhausted.as_mut());
            ids.extend(visits.as_mut().map(|l| &mut l.exhausted));
            each(&mut ids);
        }
        NodeKind::Gather {
            done,
            exhausted,
            noinput_exhausted,
            nomatch_exhausted,
            visits,
            ..
        } => {
            let mut ids: Vec<&mut NodeId> = vec![done, exhausted];
            ids.extend(noinput_exhausted.as_mut());
            ids.extend(nomatch_exhausted.as_mut());
            ids.extend(visits.as_mut().map(|l| &mut l.exhausted));
            each(&mut ids);
        }
        NodeKind::Branch { arms, otherwise } => {
            let mut ids: Vec<&mut NodeId> = arms.iter_mut().map(|a| &mut a.target).collect();
            ids.push(otherwise);
            each(&mut ids);
        }
        NodeKind::Split { branches } => {
            let mut ids: Vec<&mut NodeId> = branches.iter_mut().map(|b| &mut b.target).collect();
            each(&mut ids);
        }
        NodeKind::Hours { open, closed, .. } => each(&mut [open, closed]),
        NodeKind::Transfer {
            answered,
            busy,
            no_answer,
            failed,
            ..
        } => each(&mut [answered, busy, no_answer, failed]),
        NodeKind::Queue {
            bridged,
            timeout,
            failed,
            ..
        } => each(&mut [bridged, timeout, failed]),
        NodeKind::Record { done, empty, .. } => each(&mut [done, empty]),
        NodeKind::Http { ok, error, .. } => each(&mut [ok, error]),
        NodeKind::Sms { sent, failed, .. } => each(&mut [sent, failed]),
        NodeKind::Ai { done, failed, .. } => each(&mut [done, failed]),
        NodeKind::Hangup { .. } => {}
    }
}

/// Rename the variables a node uses (module-local ones get the run's prefix).
fn rename_kind(kind: &mut NodeKind, f: &impl Fn(&str) -> String) {
    let prompts = |ps: &mut [&mut Prompt]| {
        for p in ps {
            for t in p.templates_mut() {
                rename_template(t, f);
            }
        }
    };
    match kind {
        NodeKind::Say { prompts: ps, .. } => prompts(&mut ps.iter_mut().collect::<Vec<_>>()),
        NodeKind::Menu {
            prompts: ps,
            noinput,
            nomatch,
            into,
            ..
        } => {
            let mut all: Vec<&mut Prompt> = ps.iter_mut().collect();
            all.extend(noinput.as_mut());
            all.extend(nomatch.as_mut());
            prompts(&mut all);
            if let Some(into) = into {
                *into = f(into);
            }
        }
        NodeKind::Gather {
            prompts: ps,
            noinput,
            nomatch,
            into,
            ..
        } => {
            let mut all: Vec<&mut Prompt> = ps.iter_mut().collect();
            all.extend(noinput.as_mut());
            all.extend(nomatch.as_mut());
            prompts(&mut all);
            *into = f(into);
        }
        NodeKind::Branch { arms, .. } => arms.iter_mut().for_each(|a| rename_expr(&mut a.when, f)),
        NodeKind::Set { assigns, .. } => {
            for a in assigns {
                a.var = f(&a.var);
                rename_expr(&mut a.value, f);
            }
        }
        NodeKind::Hours { .. } | NodeKind::Split { .. } | NodeKind::RecordCall { .. } => {}
        NodeKind::Transfer {
            prompt,
            to,
            caller_id,
            ..
        } => {
            prompts(&mut prompt.iter_mut().collect::<Vec<_>>());
            to.iter_mut().for_each(|t| rename_template(t, f));
            caller_id.iter_mut().for_each(|t| rename_template(t, f));
        }
        NodeKind::Queue {
            prompt,
            name_template,
            ..
        } => {
            prompts(&mut prompt.iter_mut().collect::<Vec<_>>());
            name_template.iter_mut().for_each(|t| rename_template(t, f));
        }
        NodeKind::Record {
            prompt,
            into,
            transcript,
            ..
        } => {
            prompts(&mut prompt.iter_mut().collect::<Vec<_>>());
            for var in [into, transcript].into_iter().flatten() {
                *var = f(var);
            }
        }
        NodeKind::Http {
            url,
            headers,
            body,
            into,
            ..
        } => {
            rename_template(url, f);
            headers.iter_mut().for_each(|(_, t)| rename_template(t, f));
            body.iter_mut().for_each(|t| rename_template(t, f));
            if let Some(into) = into {
                *into = f(into);
            }
        }
        NodeKind::Sms { to, text, .. } => {
            rename_template(to, f);
            rename_template(text, f);
        }
        NodeKind::Ai {
            url,
            greeting,
            params,
            into,
            ..
        } => {
            rename_template(url, f);
            prompts(&mut greeting.iter_mut().collect::<Vec<_>>());
            params.iter_mut().for_each(|(_, t)| rename_template(t, f));
            if let Some(into) = into {
                *into = f(into);
            }
        }
        NodeKind::Hangup { prompt } => prompts(&mut prompt.iter_mut().collect::<Vec<_>>()),
    }
}

fn rename_template(t: &mut Template, f: &impl Fn(&str) -> String) {
    for path in t.paths_mut() {
        if let Some(root) = path.first_mut() {
            *root = f(root);
        }
    }
}

fn rename_expr(e: &mut Expr, f: &impl Fn(&str) -> String) {
    match e {
        Expr::Lit(_) => {}
        Expr::Path(path) => {
            if let Some(root) = path.first_mut() {
                *root = f(root);
            }
        }
        Expr::Not(inner) => rename_expr(inner, f),
        Expr::Binary(_, a, b) => {
            rename_expr(a, f);
            rename_expr(b, f);
        }
    }
}
