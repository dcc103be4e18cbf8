//! Which nodes and exits of a flow the scenarios walked.

use std::collections::BTreeSet;

use ivr_compiler::Graph;
use ivr_compiler::graph::draw::Walked;
use serde_json::json;

pub struct Coverage {
    pub flow: String,
    /// The flow file, when known (twins share a flow name).
    pub file: Option<String>,
    pub nodes: Vec<String>,
    pub exits: Vec<(String, String)>,
    pub walked_nodes: BTreeSet<String>,
    pub walked_exits: BTreeSet<(String, String)>,
}

impl Coverage {
    pub fn new(graph: &Graph) -> Self {
        Coverage {
            flow: graph.flow.clone(),
            file: None,
            nodes: graph.nodes.iter().map(|n| n.name.clone()).collect(),
            exits: graph
                .nodes
                .iter()
                .flat_map(|n| {
                    n.kind
                        .exits()
                        .into_iter()
                        .map(move |(e, _)| (n.name.clone(), e))
                })
                .collect(),
            walked_nodes: BTreeSet::new(),
            walked_exits: BTreeSet::new(),
        }
    }

    /// Add what one scenario walked (exit `""`: the call stopped at the node).
    pub fn add(&mut self, walked: &[(String, String)]) {
        for (node, exit) in walked {
            self.walked_nodes.insert(node.clone());
            if !exit.is_empty() {
                self.walked_exits.insert((node.clone(), exit.clone()));
            }
        }
    }

    /// The file if known, else the flow's name.
    pub fn name(&self) -> &str {
        self.file.as_deref().unwrap_or(&self.flow)
    }

    pub fn missed_nodes(&self) -> Vec<&String> {
        self.nodes
            .iter()
            .filter(|n| !self.walked_nodes.contains(*n))
            .collect()
    }

    pub fn missed_exits(&self) -> Vec<&(String, String)> {
        self.exits
            .iter()
            .filter(|e| !self.walked_exits.contains(*e))
            .collect()
    }

    /// Percent of exits walked (100 for a flow with no exits).
    pub fn percent(&self) -> f64 {
        if self.exits.is_empty() {
            return 100.0;
        }
        let walked = self.exits.len() - self.missed_exits().len();
        100.0 * walked as f64 / self.exits.len() as f64
    }

    pub fn walked(&self) -> Walked {
        Walked {
            nodes: self.walked_nodes.iter().cloned().collect(),
            exits: self.walked_exits.iter().cloned().collect(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "flow": self.flow,
            "file": self.file,
            "exits": self.exits.len(),
            "exits_walked": self.exits.len() - self.missed_exits().len(),
            "nodes": self.nodes.len(),
            "nodes_walked": self.nodes.len() - self.missed_nodes().len(),
            "percent": (self.percent() * 10.0).round() / 10.0,
            "missed_nodes": self.missed_nodes(),
            "missed_exits": self.missed_exits().iter().map(|(n, e)| format!("{n}:{e}")).collect::<Vec<_>>(),
            "walked_nodes": self.walked_nodes,
            "walked_exits": self.walked_exits.iter().map(|(n, e)| format!("{n}:{e}")).collect::<Vec<_>>(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}: {:.1}% of exits ({}/{}), {}/{} nodes\n",
            self.name(),
            self.percent(),
            self.exits.len() - self.missed_exits().len(),
            self.exits.len(),
            self.nodes.len() - self.missed_nodes().len(),
            self.nodes.len()
        );
        for n in self.missed_nodes() {
            s.push_str(&format!("  never reached: {n}\n"));
        }
        for (n, e) in self.missed_exits() {
            s.push_str(&format!("  never taken:   {n} -> {e}\n"));
        }
        s
    }
}
