//! `ivr paths FLOW [--format json] [--limit N]`: the distinct caller paths
//! of a flow, loops taken once (see `ivr_compiler::paths`).

use std::path::Path;
use std::process::ExitCode;

use ivr_compiler::paths::{self, End};
use serde_json::json;

use super::Format;
use crate::sim::generate::describe;

pub fn run(file: &Path, format: Format, limit: usize) -> ExitCode {
    let graph = match super::compiled(file) {
        Ok(graph) => graph,
        Err(code) => return code,
    };
    let (found, more) = paths::all(&graph, limit);
    match format {
        Format::Json => {
            let list: Vec<_> = found
                .iter()
                .map(|p| {
                    let steps: Vec<_> = p
                        .steps
                        .iter()
                        .map(|&(n, k)| {
                            let node = graph.node(n);
                            let exit = node.kind.exits().get(k).map(|(e, _)| e.clone());
                            json!({ "node": node.name, "kind": node.kind.keyword(), "exit": exit })
                        })
                        .collect();
                    let (how, at) = match p.end {
                        End::Over(n) => ("ends", n),
                        End::Loop(n) => ("loops", n),
                    };
                    json!({ "steps": steps, "end": { how: graph.node(at).name } })
                })
                .collect();
            println!(
                "{}",
                json!({ "flow": graph.flow, "paths": list, "truncated": more })
            );
        }
        Format::Human | Format::Github => {
            let width = found.len().to_string().len();
            for (i, p) in found.iter().enumerate() {
                println!("{:>width$}. {}", i + 1, describe(&graph, p));
            }
            let loops = found
                .iter()
                .filter(|p| matches!(p.end, End::Loop(_)))
                .count();
            let shown = if more {
                format!("the first {} paths (more left out: --limit)", found.len())
            } else {
                format!("{} paths", found.len())
            };
            println!(
                "\n{} ({}): {shown}, {loops} of them back into a loop (↺)",
                graph.flow,
                file.display()
            );
        }
    }
    ExitCode::SUCCESS
}
