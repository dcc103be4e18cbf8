//! `--color auto|always|never` and `NO_COLOR` (no-color.org), one rule for
//! every subcommand: colour only on a terminal, unless told otherwise.

use std::sync::OnceLock;

#[derive(Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

static CHOICE: OnceLock<Choice> = OnceLock::new();

/// Set once, from the command line, before any output.
pub fn choose(choice: Choice) {
    let _ = CHOICE.set(choice);
}

/// Whether to colour output that goes to a stream that `is_terminal` or not.
/// An explicit `--color` wins over `NO_COLOR` (the user asked for it).
pub fn on(is_terminal: bool) -> bool {
    match CHOICE.get().copied().unwrap_or_default() {
        Choice::Always => true,
        Choice::Never => false,
        Choice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// For standard output.
pub fn stdout() -> bool {
    use std::io::IsTerminal;
    on(std::io::stdout().is_terminal())
}

/// For standard error (where the server logs).
pub fn stderr() -> bool {
    use std::io::IsTerminal;
    on(std::io::stderr().is_terminal())
}
