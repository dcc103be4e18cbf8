//! `ivr test --generate`: a scenario file skeleton for a flow — one scenario
//! per path of [`ivr_compiler::paths::covering`], so that together they take
//! every exit. Each scenario scripts the caller and the world along its path
//! (keys, silences, dial and queue outcomes, call-out answers) and expects
//! the exits the path takes, ready for the author to fill in what only they
//! know: valid entries, answers a `branch` looks at, the time for `hours`.

use std::fmt::Write;

use ivr_compiler::Graph;
use ivr_compiler::graph::{Choice, Input, NodeKind};
use ivr_compiler::paths::{self, CallerPath, End};

/// The scenario file's text (YAML). `flow_file` is the flow's file name,
/// written in the header comment.
pub fn skeleton(graph: &Graph, flow_file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Scenarios for {flow_file}, written by `ivr test --generate`: one per path,\n\
         # together they take every exit. Fill in what each path needs: entries the\n\
         # input accepts, web service answers, the time (`at:`) for `hours`, `vars:`\n\
         # for a `branch`; then check what the caller hears (`expect: {{ say: … }}`)."
    );
    out.push_str("scenarios:\n");
    for (i, path) in paths::covering(graph).iter().enumerate() {
        scenario(&mut out, graph, i + 1, path);
    }
    out
}

fn scenario(out: &mut String, graph: &Graph, number: usize, path: &CallerPath) {
    let name = format!("{number}: {}", describe(graph, path));
    let _ = writeln!(out, "\n  - name: {}", quote(&name));
    // A split's branch is decided by the call id: the scenario pins it.
    let pins: Vec<String> = path
        .steps
        .iter()
        .filter_map(|&(node, k)| {
            let node = graph.node(node);
            let NodeKind::Split { .. } = node.kind else {
                return None;
            };
            let (exit, _) = node.kind.exits().into_iter().nth(k)?;
            Some(format!("{}: {}", quote(&node.name), quote(&exit)))
        })
        .collect();
    if !pins.is_empty() {
        let _ = writeln!(out, "    split: {{ {} }}", pins.join(", "));
    }
    out.push_str("    steps:\n");
    let mut exits: Vec<String> = Vec::new();
    for &(node, k) in &path.steps {
        let node = graph.node(node);
        let exit = node
            .kind
            .exits()
            .get(k)
            .map(|(e, _)| e.clone())
            .unwrap_or_default();
        let actions = actions(&node.kind, &exit);
        if !actions.is_empty() {
            // Where the call waits for what comes next.
            expect(out, &exits, Some(&node.name), false);
            exits.clear();
            for action in actions {
                let _ = writeln!(out, "      - {action}");
            }
        }
        exits.push(format!("{}:{exit}", node.name));
    }
    match path.end {
        End::Over(_) => expect(out, &exits, None, true),
        End::Loop(to) => {
            // Back where the call waits again (a loop back to a `say` goes on
            // to wherever it leads: say nothing of where it stops).
            let to = graph.node(to);
            let waits = to.kind.waits().then_some(to.name.as_str());
            expect(out, &exits, waits, false);
            out.push_str("      - hangup\n");
        }
    }
}

fn expect(out: &mut String, exits: &[String], node: Option<&str>, hangup: bool) {
    let mut fields = Vec::new();
    if !exits.is_empty() {
        let list: Vec<String> = exits.iter().map(|e| quote(e)).collect();
        fields.push(format!("exits: [{}]", list.join(", ")));
    }
    if let Some(node) = node {
        fields.push(format!("node: {}", quote(node)));
    }
    if hangup {
        fields.push("hangup: true".into());
    }
    if !fields.is_empty() {
        let _ = writeln!(out, "      - expect: {{ {} }}", fields.join(", "));
    }
}

/// What the caller (or the world) does at a node to leave it by `exit`.
fn actions(kind: &NodeKind, exit: &str) -> Vec<String> {
    let times = |n: u32, what: &str| vec![what.to_string(); n.max(1) as usize];
    match kind {
        NodeKind::Menu {
            choices,
            max_noinput,
            max_nomatch,
            ..
        } => match exit {
            "exhausted" | "noinput_exhausted" => times(*max_noinput, "silence"),
            "nomatch_exhausted" => {
                let wrong = "0123456789*#"
                    .chars()
                    .map(String::from)
                    .find(|k| !choices.iter().any(|c| &c.key == k))
                    .unwrap_or_else(|| "0".into());
                times(*max_nomatch, &format!("press: {}", quote(&wrong)))
            }
            "visits_exhausted" => Vec::new(),
            key => vec![choose(choices, key)],
        },
        NodeKind::Gather {
            input,
            min_digits,
            max_attempts,
            ..
        } => match (exit, input) {
            ("done", Input::Speech) => vec!["speak: \"…\"  # what the caller says".into()],
            ("done", _) => {
                let digits = "1".repeat((*min_digits).max(1) as usize);
                vec![format!(
                    "press: {}  # an entry the input accepts",
                    quote(&digits)
                )]
            }
            ("visits_exhausted", _) => Vec::new(),
            _ => times(*max_attempts, "silence"),
        },
        NodeKind::Transfer { .. } => vec![format!("dial: {exit}")],
        NodeKind::Queue { .. } => vec![format!("queue: {exit}")],
        NodeKind::Record { .. } => match exit {
            "empty" => vec!["record: empty".into()],
            _ => vec!["record: https://example.com/recordings/RE1.mp3".into()],
        },
        NodeKind::Http { .. } => match exit {
            "ok" => vec!["http: { status: 200, body: {} }  # the service's answer".into()],
            _ => vec!["http: { status: 500 }".into()],
        },
        NodeKind::Sms { .. } => vec![format!("sms: {exit}")],
        NodeKind::Ai { .. } => match exit {
            "done" => vec!["agent: { ok: true }".into()],
            _ => vec!["agent: { ok: false }".into()],
        },
        // A split is pinned by the scenario (`split:`), not by a step.
        NodeKind::Say { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Hangup { .. } => Vec::new(),
    }
}

/// The caller's step that picks the menu choice named `key`: its keys, the
/// first number of a range (`"1000-1019"`), or its phrase.
fn choose(choices: &[Choice], key: &str) -> String {
    let is_keys = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    };
    let choice = choices.iter().find(|c| c.key == key);
    if choice.is_some_and(|c| c.pattern.is_some()) {
        return match key.split_once('-') {
            Some((low, _)) if is_keys(low) => format!("press: {}", quote(low)),
            _ => format!("press: \"…\"  # keys that match {key}"),
        };
    }
    if is_keys(key) {
        format!("press: {}", quote(key))
    } else {
        format!("speak: {}", quote(key))
    }
}

/// "main 1 → sales busy → bye", "… → main ↺" for a path that loops back.
pub fn describe(graph: &Graph, path: &CallerPath) -> String {
    let mut parts: Vec<String> = path
        .steps
        .iter()
        .map(|&(node, k)| {
            let node = graph.node(node);
            let exits = node.kind.exits();
            match exits.get(k) {
                Some((exit, _)) if exits.len() > 1 => format!("{} {exit}", node.name),
                _ => node.name.clone(),
            }
        })
        .collect();
    let end = &graph.node(path.end.node()).name;
    parts.push(match path.end {
        End::Over(_) => end.clone(),
        End::Loop(_) => format!("{end} ↺"),
    });
    parts.join(" → ")
}

/// A YAML double-quoted string (JSON's escapes are YAML's too).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
