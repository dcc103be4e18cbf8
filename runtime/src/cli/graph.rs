//! `ivr graph FLOW --format mermaid|dot|markdown [--coverage FILE]`: a picture
//! of a flow; with a folder and `markdown`, a page of every flow in it.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use ivr_compiler::graph::draw::{self, Walked};

use crate::flows;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Picture {
    Mermaid,
    Dot,
    Markdown,
}

pub fn run(path: &Path, format: Picture, coverage: Option<&Path>) -> ExitCode {
    let files = match flows::discover(&[path.to_path_buf()]) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("ivr: cannot draw {e}");
            return ExitCode::from(2);
        }
    };
    let mut loaded = Vec::new();
    for file in &files {
        let flow = match flows::load(file) {
            Ok(flow) => flow,
            Err(e) => {
                eprintln!("ivr: cannot draw {e}");
                return ExitCode::from(2);
            }
        };
        if flow.compiled.graph.is_none() {
            let name = file.display().to_string();
            eprint!(
                "{}",
                ivr_compiler::report::render_plain(
                    &name,
                    &flow.text,
                    &flow.compiled.diagnostics,
                    100
                )
            );
            return ExitCode::from(1);
        }
        loaded.push(flow);
    }
    let walked = match coverage.map(read_coverage).transpose() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("ivr: {e}");
            return ExitCode::from(2);
        }
    };
    let graphs: Vec<_> = loaded
        .iter()
        .filter_map(|f| f.compiled.graph.as_ref().map(|g| (f, g)))
        .collect();
    if format == Picture::Markdown {
        let entries: Vec<(String, &ivr_compiler::Graph)> = graphs
            .iter()
            .map(|(f, g)| {
                (
                    f.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    *g,
                )
            })
            .collect();
        print!("{}", draw::markdown(&entries));
        return ExitCode::SUCCESS;
    }
    for (_, graph) in graphs {
        let walked = walked
            .as_ref()
            .and_then(|all| all.iter().find(|(flow, _)| *flow == graph.flow))
            .map(|(_, w)| w);
        print!(
            "{}",
            match format {
                Picture::Dot => draw::dot(graph, walked),
                _ => draw::mermaid(graph, walked),
            }
        );
    }
    ExitCode::SUCCESS
}

/// What tests walked, from `ivr test --coverage --format json` output.
fn read_coverage(path: &Path) -> Result<Vec<(String, Walked)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not coverage JSON: {e}", path.display()))?;
    let entries = json["coverage"].as_array().ok_or_else(|| {
        format!(
            "{} has no `coverage` list (make it with `ivr test --coverage --format json`)",
            path.display()
        )
    })?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(entries
        .iter()
        .map(|c| {
            let nodes = strings(&c["walked_nodes"]).into_iter().collect();
            let exits = strings(&c["walked_exits"])
                .into_iter()
                .filter_map(|e| {
                    e.split_once(':')
                        .map(|(n, x)| (n.to_string(), x.to_string()))
                })
                .collect();
            (
                c["flow"].as_str().unwrap_or_default().to_string(),
                Walked { nodes, exits },
            )
        })
        .collect())
}
