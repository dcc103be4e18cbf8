//! How a simulated call reads on a terminal: one labelled line per thing the
//! caller hears or the flow does, colours only on a terminal, wrapped to fit.

use anstyle::{AnsiColor, Style};

use super::Output;
use crate::engine::{Effect, Instruction};
use ivr_compiler::graph::Input;

pub struct Transcript {
    pub colour: bool,
    pub width: usize,
}

impl Transcript {
    /// Colours as the command line decided, wrapped to `width` columns.
    pub fn for_stdout(colour: bool, width: usize) -> Self {
        Transcript { colour, width }
    }

    pub fn plain() -> Self {
        Transcript {
            colour: false,
            width: 100,
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// `  label  text`, wrapped under the text column.
    pub fn line(&self, label: &str, text: &str, style: Style) -> String {
        let indent = 9;
        let room = self.width.saturating_sub(indent).max(20);
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split(' ') {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            let label = if i == 0 {
                format!("{label:<7}")
            } else {
                " ".repeat(7)
            };
            out.push_str(&format!(
                "  {} {}\n",
                self.paint(style.dimmed(), &label),
                self.paint(style, l)
            ));
        }
        out
    }

    pub fn output(&self, out: &Output) -> String {
        let mut s = String::new();
        if !out.path.is_empty() {
            let mut path = String::new();
            for (i, (node, exit)) in out.path.iter().enumerate() {
                path.push_str(node);
                if !exit.is_empty() && i + 1 < out.path.len() {
                    path.push_str(&format!(" -{exit}-> "));
                } else if i + 1 < out.path.len() {
                    path.push_str(" -> ");
                }
            }
            s.push_str(&self.line(
                "path",
                &path,
                Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            ));
        }
        for i in &out.instructions {
            s.push_str(&self.instruction(i));
        }
        for e in &out.effects {
            s.push_str(&self.effect(e));
        }
        s
    }

    fn instruction(&self, i: &Instruction) -> String {
        let said = Style::new().bold();
        let act = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
        match i {
            Instruction::Say {
                text,
                language,
                loops,
                ..
            } => {
                let times = if *loops > 1 {
                    format!(" (×{loops})")
                } else {
                    String::new()
                };
                self.line("hear", &format!("\"{text}\"{times} [{language}]"), said)
            }
            Instruction::Play { url, .. } => self.line("play", url, said),
            Instruction::Pause { seconds } => self.line("pause", &format!("{seconds}s"), act),
            Instruction::Gather {
                prompts,
                input,
                min_digits,
                max_digits,
                finish_key,
                timeout_s,
                ..
            } => {
                let mut s: String = prompts.iter().map(|p| self.instruction(p)).collect();
                let what = match input {
                    Input::Dtmf => "keys",
                    Input::Speech => "speech",
                    Input::DtmfSpeech => "keys or speech",
                };
                let count = if min_digits == max_digits {
                    format!("{max_digits}")
                } else {
                    format!("{min_digits}-{max_digits}")
                };
                let finish = finish_key
                    .map(|k| format!(", ends with {k}"))
                    .unwrap_or_default();
                s.push_str(&self.line(
                    "wait",
                    &format!("{what} ({count}{finish}), {timeout_s}s"),
                    act,
                ));
                s
            }
            Instruction::RecordCall => self.line("record", "the rest of the call", act),
            Instruction::Dial {
                targets,
                ring_timeout_s,
                record,
                ..
            } => {
                let rec = if *record { ", recorded" } else { "" };
                self.line(
                    "dial",
                    &format!("{} (ring {ring_timeout_s}s{rec})", targets.join(", ")),
                    act,
                )
            }
            Instruction::Enqueue {
                name,
                max_wait_s,
                position_every_s,
                ..
            } => {
                let announce = position_every_s
                    .map(|s| format!(", position every {s}s"))
                    .unwrap_or_default();
                self.line(
                    "queue",
                    &format!("{name} (max wait {max_wait_s}s{announce})"),
                    act,
                )
            }
            Instruction::Record {
                max_length_s, beep, ..
            } => self.line(
                "record",
                &format!(
                    "up to {max_length_s}s{}",
                    if *beep { ", after a beep" } else { "" }
                ),
                act,
            ),
            Instruction::Agent { url, params, relay } => {
                let params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let how = if relay.is_some() { " (text relay)" } else { "" };
                self.line("agent", &format!("{url}{how} {}", params.join(" ")), act)
            }
            Instruction::Hangup => self.line(
                "end",
                "the call ends",
                Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            ),
        }
    }

    fn effect(&self, e: &Effect) -> String {
        let style = Style::new().fg_color(Some(AnsiColor::Blue.into()));
        match e {
            Effect::Http { method, url, .. } => {
                self.line("http", &format!("{} {url}", method.as_str()), style)
            }
            Effect::Sms { to, text, .. } => {
                self.line("sms", &format!("to {to}: \"{text}\""), style)
            }
        }
    }

    pub fn error(&self, text: &str) -> String {
        self.line(
            "error",
            text,
            Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        )
    }

    pub fn caller(&self, text: &str) -> String {
        self.line(
            "caller",
            text,
            Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
        )
    }
}
