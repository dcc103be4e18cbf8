//! Shared helpers for the end-to-end tests in `tests/tests/`.

pub mod agent;
pub mod app;
pub mod exotel;
pub mod provider;
pub mod scenario;
pub mod twilio;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo root")
        .to_path_buf()
}

/// Flow files (not scenario files) directly under `dir`, sorted.
pub fn flow_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| ivr_compiler::Syntax::from_path(&p.to_string_lossy()).is_some());
    files.sort();
    files
}

/// Compile a file from disk with the syntax its extension implies.
pub fn compile_file(path: &Path) -> (String, ivr_compiler::Compiled) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let syntax = ivr_compiler::Syntax::from_path(&path.to_string_lossy())
        .unwrap_or(ivr_compiler::Syntax::Ivr);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (text, ivr_compiler::compile_bytes(&bytes, syntax))
}

/// Diagnostics rendered as a person sees them: no colours, 80 columns.
pub fn render(name: &str, text: &str, compiled: &ivr_compiler::Compiled) -> String {
    ivr_compiler::report::render_plain(name, text, &compiled.diagnostics, 80)
}
