//! `ivr schema`: the JSON Schemas of the YAML files an author writes, for
//! editors (docs/editors.md). Both come from the types the loaders use.

use std::process::ExitCode;

use clap::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
pub enum Schema {
    /// A YAML flow file (`*.yaml`, `*.yml`).
    Flow,
    /// A scenario file (`*.test.yaml`).
    Scenario,
}

pub fn run(which: Schema) -> ExitCode {
    let schema = match which {
        Schema::Flow => ivr_compiler::syntax::yaml::schema(),
        Schema::Scenario => crate::sim::scenario::schema(),
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ivr: cannot print the schema: {e}");
            ExitCode::from(2)
        }
    }
}
