//! Shell completions and the man page, generated from the clap definitions
//! so they cannot disagree with `--help`.

use std::process::ExitCode;

use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = super::Cli::command();
    clap_complete::generate(shell, &mut command, "ivr", &mut std::io::stdout());
    ExitCode::SUCCESS
}

pub fn man() -> ExitCode {
    let page = clap_mangen::Man::new(super::Cli::command());
    match page.render(&mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivr: cannot write the man page: {e}");
            ExitCode::from(2)
        }
    }
}
