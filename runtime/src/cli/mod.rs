//! The `ivr` command line: one binary, subcommands.

mod check;
mod colour;
mod compile;
mod exotel_app;
mod fmt;
mod graph;
mod init;
mod logging;
mod manual;
mod paths;
mod schema;
mod serve;
mod simulate;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "ivr",
    version,
    about = "Declarative IVR flows: check, compile and serve them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour output: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = colour::Choice::Auto)]
    color: colour::Choice,
}

#[derive(Subcommand)]
enum Command {
    /// Check flow files and folders; exit 0 when clean, 1 on errors, 2 when it could not run.
    Check {
        /// Files or folders (recursing into .ivr, .yaml, .yml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile one flow and print its graph as JSON.
    Compile { file: PathBuf },
    /// Rewrite .ivr files in the canonical layout (comments kept).
    Fmt {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that would change and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Draw a flow as a Mermaid, Graphviz or SVG picture.
    Graph {
        /// A flow file, or a folder of flows (several need `-o DIR` or `--format markdown`).
        flow: PathBuf,
        #[arg(long, value_enum, default_value_t = graph::Picture::Mermaid)]
        format: graph::Picture,
        /// Mark what tests never reached, from `ivr test --coverage --format json` output.
        #[arg(long, value_name = "FILE")]
        coverage: Option<PathBuf>,
        /// Write one picture per flow into this folder (FLOW.mmd, .dot or .svg).
        #[arg(long, short = 'o', value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// List the distinct caller paths through a flow (loops taken once).
    Paths {
        flow: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// List at most this many paths.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Dial a flow in the terminal.
    Simulate(simulate::SimulateArgs),
    /// Run scenario files (*.test.yaml) against their flows.
    Test {
        /// Files or folders (default: the current folder).
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Report the nodes and exits the scenarios walked.
        #[arg(long)]
        coverage: bool,
        /// Fail when a flow's exit coverage is below this percentage.
        #[arg(long, value_name = "P")]
        min_coverage: Option<f64>,
        /// Write a scenario skeleton for this flow that walks every exit
        /// (to FLOW's stem + .test.yaml, unless `--output` says where).
        #[arg(long, value_name = "FLOW", conflicts_with_all = ["paths", "coverage", "min_coverage"])]
        generate: Option<PathBuf>,
        /// With `--generate`: the file to write, or `-` for standard output.
        #[arg(long, value_name = "FILE", requires = "generate")]
        output: Option<PathBuf>,
    },
    /// Print how to build the generic Exotel app that runs a flow.
    ExotelApp(exotel_app::ExotelAppArgs),
    /// Serve flows to Twilio and Exotel, reloading them as they change.
    Serve(Box<serve::ServeArgs>),
    /// Speak the Language Server Protocol on standard input and output (for editors).
    Lsp,
    /// Print the JSON Schema of YAML flow files or of scenario files, for editors.
    Schema {
        #[arg(value_enum)]
        which: schema::Schema,
    },
    /// Write a first flow NAME.ivr and its scenarios NAME.test.yaml.
    Init {
        /// The flow's name (letters, digits, `_`).
        name: String,
        /// The folder to write them in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print shell completions: `ivr completions bash > /etc/bash_completion.d/ivr`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page: `ivr man > /usr/local/share/man/man1/ivr.1`.
    Man,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Load and compile one flow; on failure its diagnostics are printed and the
/// exit code to end with is returned (1: the flow has errors, 2: unreadable).
fn compiled(file: &std::path::Path) -> Result<ivr_compiler::Graph, ExitCode> {
    let flow = crate::flows::load(file).map_err(|e| {
        eprintln!("ivr: cannot read {e}");
        ExitCode::from(2)
    })?;
    match flow.compiled.graph {
        Some(graph) => Ok(graph),
        None => {
            eprint!(
                "{}",
                ivr_compiler::report::render_plain(
                    &file.display().to_string(),
                    &flow.text,
                    &flow.compiled.diagnostics,
                    100
                )
            );
            Err(ExitCode::from(1))
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    colour::choose(cli.color);
    match cli.command {
        Command::Check {
            paths,
            format,
            deny_warnings,
        } => check::run(&paths, format, deny_warnings),
        Command::Compile { file } => compile::run(&file),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Graph {
            flow,
            format,
            coverage,
            output,
        } => graph::run(graph::GraphArgs {
            path: &flow,
            format,
            coverage: coverage.as_deref(),
            output: output.as_deref(),
        }),
        Command::Paths {
            flow,
            format,
            limit,
        } => paths::run(&flow, format, limit),
        Command::Simulate(args) => simulate::run(args),
        Command::Test {
            generate: Some(flow),
            output,
            ..
        } => test::generate(&flow, output.as_deref()),
        Command::Test {
            paths,
            format,
            coverage,
            min_coverage,
            ..
        } => test::run(test::TestArgs {
            paths,
            format,
            coverage,
            min_coverage,
        }),
        Command::ExotelApp(args) => exotel_app::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Lsp => crate::lsp::run(),
        Command::Schema { which } => schema::run(which),
        Command::Init { name, dir } => init::run(&name, &dir),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man => manual::man(),
    }
}
