//! The `ivr` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    ivr_runtime::cli::main()
}
