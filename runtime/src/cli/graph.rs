//! `ivr graph PATH --format mermaid|dot|svg|markdown [-o DIR] [--coverage FILE]`:
//! pictures of flows. One flow prints its picture; a folder of several needs
//! `-o DIR` (one file per flow, named after the flow) or `--format markdown`
//! (one page of all), because one Mermaid/dot/SVG document holds one flow.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use ivr_compiler::Graph;
use ivr_compiler::graph::draw::{self, Walked};

use crate::flows;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Picture {
    Mermaid,
    Dot,
    /// Laid out here: no Graphviz needed. Nodes are `<g id="node-NAME">`.
    Svg,
    Markdown,
}

impl Picture {
    /// The extension of a picture file written with `-o`.
    fn extension(self) -> &'static str {
        match self {
            Picture::Mermaid => "mmd",
            Picture::Dot => "dot",
            Picture::Svg => "svg",
            Picture::Markdown => "md",
        }
    }
}

pub struct GraphArgs<'a> {
    pub path: &'a Path,
    pub format: Picture,
    pub coverage: Option<&'a Path>,
    pub output: Option<&'a Path>,
}

pub fn run(args: GraphArgs) -> ExitCode {
    match draw_all(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ivr: {message}");
            ExitCode::from(2)
        }
    }
}

fn draw_all(args: &GraphArgs) -> Result<ExitCode, String> {
    let files =
        flows::discover(&[args.path.to_path_buf()]).map_err(|e| format!("cannot draw {e}"))?;
    let mut graphs: Vec<(String, Graph)> = Vec::new();
    for file in &files {
        let flow = flows::load(file).map_err(|e| format!("cannot draw {e}"))?;
        let Some(graph) = flow.compiled.graph else {
            eprint!(
                "{}",
                ivr_compiler::report::render_plain(
                    &file.display().to_string(),
                    &flow.text,
                    &flow.compiled.diagnostics,
                    100
                )
            );
            return Ok(ExitCode::from(1));
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        graphs.push((name, graph));
    }
    let walked = args.coverage.map(read_coverage).transpose()?;
    let walked_in = |graph: &Graph| {
        walked
            .as_ref()
            .and_then(|all| all.iter().find(|(flow, _)| *flow == graph.flow))
            .map(|(_, w)| w)
    };
    if args.format == Picture::Markdown {
        if args.output.is_some() {
            return Err(
                "`--format markdown` is one page of every flow: redirect it (`> flows/README.md`) instead of `-o`"
                    .into(),
            );
        }
        let entries: Vec<(String, &Graph)> = graphs.iter().map(|(f, g)| (f.clone(), g)).collect();
        print!("{}", draw::markdown(&entries));
        return Ok(ExitCode::SUCCESS);
    }
    let picture = |graph: &Graph| match args.format {
        Picture::Dot => draw::dot(graph, walked_in(graph)),
        Picture::Svg => draw::svg(graph, walked_in(graph)),
        Picture::Mermaid | Picture::Markdown => draw::mermaid(graph, walked_in(graph)),
    };
    let graphs = one_per_flow(graphs)?;
    let Some(dir) = args.output else {
        return match graphs.as_slice() {
            [graph] => {
                print!("{}", picture(graph));
                Ok(ExitCode::SUCCESS)
            }
            [] => Err(format!("no flows in {}", args.path.display())),
            several => Err(format!(
                "{} holds {} flows and a picture shows one: write one file per flow with `-o DIR`, or one page of all with `--format markdown`",
                args.path.display(),
                several.len()
            )),
        };
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for graph in graphs {
        let file = dir.join(format!(
            "{}.{}",
            file_stem(&graph.flow),
            args.format.extension()
        ));
        std::fs::write(&file, picture(&graph))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!("{}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// One graph per flow name, as each names its file: a flow written twice
/// (`x.ivr` beside its YAML twin) is drawn once; two different flows of
/// one name would overwrite each other's picture, so they are refused.
fn one_per_flow(graphs: Vec<(String, Graph)>) -> Result<Vec<Graph>, String> {
    let mut kept: Vec<(String, Graph)> = Vec::new();
    for (file, graph) in graphs {
        match kept
            .iter()
            .find(|(_, g)| file_stem(&g.flow) == file_stem(&graph.flow))
        {
            Some((_, g)) if g.version == graph.version => {}
            Some((other, _)) => {
                return Err(format!(
                    "{other} and {file} both draw to `{}`: give the flows different names",
                    file_stem(&graph.flow)
                ));
            }
            None => kept.push((file, graph)),
        }
    }
    Ok(kept.into_iter().map(|(_, g)| g).collect())
}

/// A flow's name as a file name: anything but letters, digits, `-`, `_`
/// and `.` becomes `_`, so no name can reach outside the folder.
fn file_stem(flow: &str) -> String {
    let stem: String = flow
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match stem.trim_start_matches('.') {
        "" => "flow".into(),
        s => s.to_string(),
    }
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
