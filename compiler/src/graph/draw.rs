//! Pictures of a graph: Mermaid (GitHub renders it) and Graphviz dot.
//! Nodes show their kind and the gist of their prompt; edges their exit;
//! endings are drawn apart; with coverage, what no test walked is marked.

use std::collections::HashSet;
use std::fmt::Write;

use super::{Graph, NodeKind, Prompt};

/// What tests walked: node names, and (node name, exit name) pairs.
#[derive(Clone, Debug, Default)]
pub struct Walked {
    pub nodes: HashSet<String>,
    pub exits: HashSet<(String, String)>,
}

const GIST: usize = 40;

/// The first words of what a node says, for a label.
pub fn gist(kind: &NodeKind) -> Option<String> {
    let prompt = match kind {
        NodeKind::Say { prompts, .. }
        | NodeKind::Menu { prompts, .. }
        | NodeKind::Gather { prompts, .. } => prompts.first(),
        NodeKind::Transfer { prompt, .. }
        | NodeKind::Queue { prompt, .. }
        | NodeKind::Record { prompt, .. }
        | NodeKind::Hangup { prompt } => prompt.as_ref(),
        NodeKind::Ai { greeting, .. } => greeting.as_ref(),
        NodeKind::Http { method, url, .. } => {
            return Some(format!("{} {}", method.as_str(), shorten(&url.display())));
        }
        NodeKind::Sms { text, .. } => return Some(shorten(&text.display())),
        _ => None,
    }?;
    summary(prompt)
}

fn summary(prompt: &Prompt) -> Option<String> {
    Some(match prompt {
        Prompt::Text(langs) => shorten(&langs.first()?.1.display()),
        Prompt::Plain(text) => shorten(&text.display()),
        Prompt::Audio(url) => shorten(&format!("♪ {}", url.display())),
        Prompt::Pause(seconds) => format!("… {seconds}s"),
        Prompt::Sequence { parts, .. } => {
            let shown: Vec<String> = parts.iter().filter_map(summary).collect();
            shorten(&shown.join(" "))
        }
    })
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(GIST).collect();
    if text.chars().count() > GIST {
        out.push('…');
    }
    out
}

pub fn mermaid(graph: &Graph, walked: Option<&Walked>) -> String {
    let mut out = String::from("flowchart TD\n");
    for (i, node) in graph.nodes.iter().enumerate() {
        let mut label = format!(
            "<b>{}</b> {}",
            node.kind.keyword(),
            escape_mermaid(&node.name)
        );
        if let Some(g) = gist(&node.kind) {
            label.push_str("<br/>");
            label.push_str(&escape_mermaid(&g));
        }
        let (open, close) = match &node.kind {
            NodeKind::Hangup { .. } => ("([", "])"),
            NodeKind::Menu { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Hours { .. }
            | NodeKind::Split { .. } => ("{", "}"),
            _ => ("[", "]"),
        };
        let _ = writeln!(out, "  n{i}{open}\"{label}\"{close}");
    }
    let _ = writeln!(out, "  start((start)) --> n{}", graph.start.0);
    for (i, node) in graph.nodes.iter().enumerate() {
        for (exit, target) in node.kind.exits() {
            let label = exit_label(&node.kind, &exit);
            let missed =
                walked.is_some_and(|w| !w.exits.contains(&(node.name.clone(), exit.clone())));
            let arrow = if missed { "-.->" } else { "-->" };
            let _ = writeln!(
                out,
                "  n{i} {arrow}|\"{}\"| n{}",
                escape_mermaid(&label),
                target.0
            );
        }
    }
    let terminals: Vec<String> = terminal_ids(graph).map(|i| format!("n{i}")).collect();
    if !terminals.is_empty() {
        let _ = writeln!(
            out,
            "  classDef ending fill:#eee,stroke:#555,stroke-width:2px"
        );
        let _ = writeln!(out, "  class {} ending", terminals.join(","));
    }
    if let Some(w) = walked {
        let missed: Vec<String> = graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !w.nodes.contains(&n.name))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !missed.is_empty() {
            let _ = writeln!(
                out,
                "  classDef untested fill:#fdd,stroke:#c00,stroke-dasharray:4"
            );
            let _ = writeln!(out, "  class {} untested", missed.join(","));
        }
    }
    out
}

pub fn dot(graph: &Graph, walked: Option<&Walked>) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n",
        escape_dot(&graph.flow)
    );
    let _ = writeln!(
        out,
        "  start [shape=point];\n  start -> n{};",
        graph.start.0
    );
    for (i, node) in graph.nodes.iter().enumerate() {
        let mut label = format!("{} {}", node.kind.keyword(), node.name);
        if let Some(g) = gist(&node.kind) {
            label.push('\n');
            label.push_str(&g);
        }
        let shape = match &node.kind {
            NodeKind::Hangup { .. } => "doublecircle",
            NodeKind::Menu { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Hours { .. }
            | NodeKind::Split { .. } => "diamond",
            _ => "box",
        };
        let untested = walked.is_some_and(|w| !w.nodes.contains(&node.name));
        let style = if untested {
            ", style=\"filled,dashed\", fillcolor=\"#ffdddd\", color=\"#cc0000\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{i} [shape={shape}, label=\"{}\"{style}];",
            escape_dot(&label)
        );
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        for (exit, target) in node.kind.exits() {
            let missed =
                walked.is_some_and(|w| !w.exits.contains(&(node.name.clone(), exit.clone())));
            let style = if missed {
                ", style=dashed, color=\"#cc0000\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  n{i} -> n{} [label=\"{}\"{style}];",
                target.0,
                escape_dot(&exit_label(&node.kind, &exit))
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Menu choices read as what the caller does (`press 1`, `press 1000-1019`,
/// `press 2 or say sales`); other exits by name.
fn exit_label(kind: &NodeKind, exit: &str) -> String {
    match kind {
        NodeKind::Menu { choices, .. } => match choices.iter().find(|c| c.key == exit) {
            Some(choice) => {
                let written = std::iter::once(choice.key.as_str())
                    .chain(choice.also.iter().map(String::as_str));
                let (phrases, keys): (Vec<&str>, Vec<&str>) =
                    written.partition(|e| choice.phrases().any(|p| p == *e));
                let mut parts = Vec::new();
                if !keys.is_empty() {
                    parts.push(format!("press {}", keys.join(", ")));
                }
                if !phrases.is_empty() {
                    parts.push(format!("say {}", phrases.join(", ")));
                }
                parts.join(" or ")
            }
            None => exit.to_string(),
        },
        NodeKind::Split { branches } => match branches.iter().find(|b| b.name == exit) {
            Some(b) => format!("{exit} {}%", b.percent()),
            None => exit.to_string(),
        },
        _ => exit.to_string(),
    }
}

fn terminal_ids(graph: &Graph) -> impl Iterator<Item = usize> + '_ {
    graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Hangup { .. }))
        .map(|(i, _)| i)
}

/// Mermaid labels sit in double quotes; it has its own entity syntax.
fn escape_mermaid(s: &str) -> String {
    s.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A Markdown page showing each flow as a Mermaid picture (GitHub renders
/// it): `(file name, graph)` pairs, in order.
pub fn markdown(flows: &[(String, &Graph)]) -> String {
    let mut out = String::from(
        "# Flows\n\n<!-- Generated by `ivr graph flows --format markdown > flows/README.md`; a test checks it is current. -->\n",
    );
    for (file, graph) in flows {
        let _ = write!(
            out,
            "\n## {}\n\n[`{file}`]({file}) · targets {}\n\n```mermaid\n{}```\n",
            graph.flow,
            graph
                .targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            mermaid(graph, None)
        );
    }
    out
}
