//! `ivr graph FLOW --format mermaid|dot`: a picture of a flow.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use ivr_compiler::graph::draw;

use crate::flows;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Picture {
    Mermaid,
    Dot,
}

pub fn run(path: &Path, format: Picture) -> ExitCode {
    let file = match flows::load(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("ivr: cannot draw {e}");
            return ExitCode::from(2);
        }
    };
    let Some(graph) = &file.compiled.graph else {
        eprint!(
            "{}",
            ivr_compiler::report::render_plain(
                &path.display().to_string(),
                &file.text,
                &file.compiled.diagnostics,
                100
            )
        );
        return ExitCode::from(1);
    };
    print!(
        "{}",
        match format {
            Picture::Mermaid => draw::mermaid(graph, None),
            Picture::Dot => draw::dot(graph, None),
        }
    );
    ExitCode::SUCCESS
}
