//! Where `ivr simulate` reads the caller's actions: a script (`--input`, or
//! a pipe), or a person at a terminal, who gets line editing and history.

use std::io::{BufRead, Write};

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

pub enum Answers {
    /// Every action known up front: nothing is asked, a bad one fails the run.
    Script(std::vec::IntoIter<String>),
    /// Asked one at a time; ↑ brings back an earlier answer.
    Terminal(Box<DefaultEditor>),
}

/// Why no further action came.
pub enum Stop {
    /// The script ended, or the person typed Ctrl-D.
    RanOut,
    /// Ctrl-C at the prompt.
    Interrupted,
    /// The terminal failed under us.
    Failed(String),
}

impl Answers {
    /// The script if one was given or stdin is not a terminal; else a line editor.
    pub fn open(input: Option<&str>, stdin_is_terminal: bool) -> Result<Answers, String> {
        if let Some(input) = input {
            return Ok(Answers::Script(split(input).into_iter()));
        }
        if !stdin_is_terminal {
            let lines: Vec<String> = std::io::stdin()
                .lock()
                .lines()
                .map_while(Result::ok)
                .collect();
            return Ok(Answers::Script(lines.into_iter()));
        }
        DefaultEditor::new()
            .map(|editor| Answers::Terminal(Box::new(editor)))
            .map_err(|e| format!("cannot read the terminal: {e}"))
    }

    pub fn is_script(&self) -> bool {
        matches!(self, Answers::Script(_))
    }

    /// The next action; at a terminal, asked with `question` as the prompt.
    pub fn next(&mut self, question: &str) -> Result<String, Stop> {
        match self {
            Answers::Script(actions) => actions.next().ok_or(Stop::RanOut),
            Answers::Terminal(editor) => {
                // The transcript so far goes out before the editor draws its prompt.
                let _ = std::io::stdout().flush();
                Self::ask(editor, question)
            }
        }
    }

    fn ask(editor: &mut DefaultEditor, question: &str) -> Result<String, Stop> {
        match editor.readline(&format!("{question}> ")) {
            Ok(line) => {
                let line = line.trim().to_string();
                if !line.is_empty() {
                    // A failure to remember is no reason to stop the call.
                    let _ = editor.add_history_entry(line.as_str());
                }
                Ok(line)
            }
            Err(ReadlineError::Eof) => Err(Stop::RanOut),
            Err(ReadlineError::Interrupted) => Err(Stop::Interrupted),
            Err(e) => Err(Stop::Failed(e.to_string())),
        }
    }
}

/// `--input` split at commas, except inside JSON: `200 {"a": 1, "b": 2},hangup`.
pub fn split(input: &str) -> Vec<String> {
    let mut found = Vec::new();
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    let mut current = String::new();
    for c in input.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                found.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    found.push(current.trim().to_string());
    found
}
