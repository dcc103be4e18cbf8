//! `ivr compile FILE`: the graph as JSON on stdout, or diagnostics on stderr.

use std::path::Path;
use std::process::ExitCode;

use crate::flows;

pub fn run(path: &Path) -> ExitCode {
    let file = match flows::load(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("ivr: cannot compile {e}");
            return ExitCode::from(2);
        }
    };
    let name = path.display().to_string();
    if !file.compiled.diagnostics.is_empty() {
        eprint!(
            "{}",
            ivr_compiler::report::render_plain(&name, &file.text, &file.compiled.diagnostics, 100)
        );
    }
    match &file.compiled.graph {
        Some(graph) => {
            println!(
                "{}",
                serde_json::to_string_pretty(graph).expect("a graph always serialises")
            );
            ExitCode::SUCCESS
        }
        None => ExitCode::from(1),
    }
}
