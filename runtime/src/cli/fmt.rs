//! `ivr fmt [--check] PATH...`: rewrite `.ivr` files in the canonical layout.
//! YAML files are left alone (YAML has its own formatters).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::flows;

pub fn run(paths: &[PathBuf], check: bool) -> ExitCode {
    let files = match flows::discover(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("ivr: cannot format {e}");
            return ExitCode::from(2);
        }
    };
    let mut changed = Vec::new();
    let mut failed = false;
    for path in files
        .iter()
        .filter(|p| flows::syntax_of(p) == ivr_compiler::Syntax::Ivr)
    {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("ivr: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        match ivr_compiler::format::format(&text) {
            Ok(formatted) if formatted != text => {
                if !check && let Err(e) = std::fs::write(path, &formatted) {
                    eprintln!("ivr: cannot write {}: {e}", path.display());
                    return ExitCode::from(2);
                }
                changed.push(path.display().to_string());
            }
            Ok(_) => {}
            Err(diagnostics) => {
                failed = true;
                eprint!(
                    "{}",
                    ivr_compiler::report::render_plain(
                        &path.display().to_string(),
                        &text,
                        &diagnostics,
                        100
                    )
                );
            }
        }
    }
    for path in &changed {
        println!(
            "{}{path}",
            if check {
                "would reformat "
            } else {
                "reformatted "
            }
        );
    }
    if failed || (check && !changed.is_empty()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
