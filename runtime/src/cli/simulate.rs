//! `ivr simulate FLOW`: dial a flow in the terminal. Type keys (`1`, `123#`),
//! `say <words>`, an empty line for silence, `hangup`; when the flow dials,
//! queues, records or calls out, say what happened (the line can be edited,
//! ↑ brings back an earlier answer). `--input "1,silence,42#"` (or piped
//! stdin) runs without asking and prints the transcript. Input that runs out
//! before the call ends, or an answer that does not fit, is a failure (1).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::answers::{Answers, Stop};
use crate::engine::{
    Caller, DialOutcome, Direction, Effect, EffectResult, Event, QueueOutcome, Waiting,
};
use crate::flows;
use crate::providers::Provider;
use crate::sim::SimCall;
use crate::sim::transcript::Transcript;

#[derive(Args)]
pub struct SimulateArgs {
    /// The flow file.
    flow: PathBuf,
    /// The caller's number.
    #[arg(long, default_value = "+919812345678")]
    from: String,
    /// The number called.
    #[arg(long, default_value = "+918045671200")]
    to: String,
    /// Simulate an outbound call (placed by us).
    #[arg(long)]
    outbound: bool,
    /// The clock at the start of the call, RFC 3339 (`2026-12-25T10:00:00+05:30`).
    #[arg(long)]
    at: Option<String>,
    /// Set a variable before the call starts: `--var order_id=A-1001` (JSON values allowed).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Comma-separated actions instead of asking: `"1,silence,123456#,busy"`.
    #[arg(long)]
    input: Option<String>,
    /// Also show what the provider would receive each turn (TwiML, or Exotel's applet steps).
    #[arg(long, value_parser = str::parse::<Provider>)]
    provider: Option<Provider>,
}

/// The provider's view of one turn, as the server would answer it.
fn rendered(provider: Option<Provider>, flow: &str, turn: u64, out: &crate::sim::Output) -> String {
    provider.map_or_else(String::new, |p| {
        crate::providers::preview(p, flow, turn, &out.instructions)
    })
}

pub fn run(args: SimulateArgs) -> ExitCode {
    let file = match flows::load(&args.flow) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("ivr: cannot simulate {e}");
            return ExitCode::from(2);
        }
    };
    let Some(graph) = &file.compiled.graph else {
        eprint!(
            "{}",
            ivr_compiler::report::render_plain(
                &args.flow.display().to_string(),
                &file.text,
                &file.compiled.diagnostics,
                100
            )
        );
        eprintln!(
            "ivr: {} has errors; fix them to simulate it",
            args.flow.display()
        );
        return ExitCode::from(1);
    };
    let at = match &args.at {
        Some(at) => match at.parse::<jiff::Timestamp>() {
            Ok(t) => t.as_millisecond(),
            Err(e) => {
                eprintln!("ivr: --at {at}: {e}");
                return ExitCode::from(2);
            }
        },
        None => jiff::Timestamp::now().as_millisecond(),
    };
    let mut vars = BTreeMap::new();
    for v in &args.vars {
        let Some((name, value)) = v.split_once('=') else {
            eprintln!("ivr: --var {v}: expected NAME=VALUE");
            return ExitCode::from(2);
        };
        if !graph.vars.iter().any(|d| d.name == name) {
            let declared: Vec<&str> = graph.vars.iter().map(|d| d.name.as_str()).collect();
            let hint = ivr_compiler::diagnostic::did_you_mean(name, declared.iter().copied())
                .map(|h| format!("; {h}"))
                .unwrap_or_else(|| format!(" (it declares: {})", declared.join(", ")));
            eprintln!(
                "ivr: --var {name}: flow `{}` declares no variable `{name}`{hint}",
                graph.flow
            );
            return ExitCode::from(2);
        }
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        vars.insert(name.to_string(), value);
    }
    let transcript = Transcript::for_stdout(super::colour::stdout(), width());
    let caller = Caller {
        from: args.from.clone(),
        to: args.to.clone(),
        direction: if args.outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        answered_by: None,
    };
    let when = jiff::Timestamp::from_millisecond(at).ok().and_then(|t| {
        let tz = jiff::tz::TimeZone::get(&graph.timezone).ok()?;
        Some(t.to_zoned(tz).strftime("%a %Y-%m-%d %H:%M %Z").to_string())
    });
    println!(
        "calling {} (version {}) from {} at {}",
        graph.flow,
        &graph.version[..12.min(graph.version.len())],
        args.from,
        when.unwrap_or_default()
    );
    let (mut call, first) = SimCall::start(graph, caller, vars, BTreeMap::new(), at);
    print!("{}", transcript.output(&first));
    print!(
        "{}",
        rendered(args.provider, &graph.flow, call.state.turn, &first)
    );

    let mut answers = match Answers::open(args.input.as_deref(), std::io::stdin().is_terminal()) {
        Ok(answers) => answers,
        Err(why) => {
            eprintln!("ivr: {why}");
            return ExitCode::from(2);
        }
    };
    while !call.ended() {
        let question = question(&call);
        let line = match answers.next(&question) {
            Ok(line) => line,
            Err(Stop::RanOut) => {
                eprintln!("ivr: the input ran out while the call waits for {question}");
                return ExitCode::from(1);
            }
            Err(Stop::Interrupted) => {
                eprintln!("ivr: interrupted while the call waits for {question}");
                return ExitCode::from(130);
            }
            Err(Stop::Failed(why)) => {
                eprintln!("ivr: cannot read the terminal: {why}");
                return ExitCode::from(2);
            }
        };
        match action(&line, &call) {
            Ok((said, event)) => {
                if answers.is_script() {
                    print!("{}", transcript.caller(&said));
                }
                let out = call.act(event);
                print!("{}", transcript.output(&out));
                print!(
                    "{}",
                    rendered(args.provider, &graph.flow, call.state.turn, &out)
                );
            }
            Err(why) => {
                print!("{}", transcript.error(&why));
                // A script cannot be asked again: a wrong action fails the run.
                if answers.is_script() {
                    eprintln!("ivr: `{line}` is not an answer here: {why}");
                    return ExitCode::from(1);
                }
            }
        }
    }
    ExitCode::SUCCESS
}

/// The terminal's real width; `COLUMNS`, then 80, when it is not a terminal.
fn width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(80)
}

/// What the flow waits for, as a prompt.
fn question(call: &SimCall) -> String {
    match call.waiting() {
        Waiting::Input => input_question(call),
        Waiting::Dial => "dial result: answered, busy, no_answer, failed".into(),
        Waiting::Queue => "queue result: bridged, timeout, failed".into(),
        Waiting::Recording => "recording: a URL, or empty".into(),
        Waiting::Agent => "agent: done [JSON], or failed".into(),
        Waiting::Effect => match call.pending.first() {
            Some(Effect::Http { method, url, .. }) => format!(
                "{} {url} answers: STATUS [JSON], or timeout",
                method.as_str()
            ),
            Some(Effect::Sms { .. }) => "SMS: sent or failed".into(),
            None => "an effect".into(),
        },
        Waiting::Nothing => "nothing".into(),
    }
}

/// At a menu or gather: the keys it takes and the misses so far (`silence
/// 1/3`), so the person at the keyboard knows what moves the call on.
fn input_question(call: &SimCall) -> String {
    use ivr_compiler::graph::NodeKind;
    let attempts = &call.state.attempts;
    let (keys, misses) = match &call.graph.node(call.state.node).kind {
        NodeKind::Menu {
            choices,
            max_noinput,
            max_nomatch,
            ..
        } => {
            let keys: Vec<&str> = choices
                .iter()
                .flat_map(|c| std::iter::once(&c.key).chain(&c.also))
                .map(String::as_str)
                .collect();
            (
                format!("keys {}", keys.join(" ")),
                format!(
                    "silence {}/{max_noinput}, wrong {}/{max_nomatch}",
                    attempts.noinput, attempts.nomatch
                ),
            )
        }
        NodeKind::Gather {
            min_digits,
            max_digits,
            finish_key,
            max_attempts,
            ..
        } => {
            let count = if min_digits == max_digits {
                format!("{max_digits}")
            } else {
                format!("{min_digits}-{max_digits}")
            };
            let finish = finish_key.map(|k| format!(" then {k}")).unwrap_or_default();
            (
                format!("{count} digits{finish}"),
                format!(
                    "tries {}/{max_attempts}",
                    attempts.noinput + attempts.nomatch
                ),
            )
        }
        _ => ("keys".into(), String::new()),
    };
    let misses = if misses.is_empty() {
        misses
    } else {
        format!(" [{misses}]")
    };
    format!("{keys}, `say …`, empty for silence, or hangup{misses}")
}

type Act = Box<dyn FnOnce(i64) -> Event>;

/// Read one typed action for what the call waits for.
fn action(line: &str, call: &SimCall) -> Result<(String, Act), String> {
    let line = line.trim();
    let lower = line.to_ascii_lowercase();
    if lower == "hangup" || lower == "hang up" {
        return Ok(("hangs up".into(), Box::new(|at| Event::Hangup { at })));
    }
    let (word, rest) = line
        .split_once(' ')
        .map_or((lower.as_str(), ""), |(w, r)| (w, r.trim()));
    let word = word.to_ascii_lowercase();
    let json = |text: &str| -> Result<Option<serde_json::Value>, String> {
        if text.is_empty() {
            Ok(None)
        } else {
            serde_json::from_str(text)
                .map(Some)
                .map_err(|e| format!("not JSON: {e}"))
        }
    };
    let act: (String, Act) = match call.waiting() {
        Waiting::Input if line.is_empty() || lower == "silence" => {
            ("(silence)".into(), Box::new(|at| Event::NoInput { at }))
        }
        Waiting::Input if word == "say" => {
            let text = rest.to_string();
            (
                format!("says \"{text}\""),
                Box::new(move |at| Event::Speech {
                    text,
                    confidence: Some(0.9),
                    at,
                }),
            )
        }
        Waiting::Input
            if line
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#') =>
        {
            let digits = line.to_string();
            (
                format!("presses {digits}"),
                Box::new(move |at| Event::Digits { digits, at }),
            )
        }
        Waiting::Dial => {
            let outcome = match word.replace('-', "_").as_str() {
                "answered" | "completed" => DialOutcome::Answered,
                "busy" => DialOutcome::Busy,
                "no_answer" => DialOutcome::NoAnswer,
                "failed" => DialOutcome::Failed,
                _ => return Err("type answered, busy, no_answer or failed".into()),
            };
            (
                format!("dial: {word}"),
                Box::new(move |at| Event::Dialed { outcome, at }),
            )
        }
        Waiting::Queue => {
            let outcome = match word.as_str() {
                "bridged" => QueueOutcome::Bridged,
                "timeout" => QueueOutcome::Timeout,
                "failed" => QueueOutcome::Failed,
                _ => return Err("type bridged, timeout or failed".into()),
            };
            (
                format!("queue: {word}"),
                Box::new(move |at| Event::Queued { outcome, at }),
            )
        }
        Waiting::Recording => {
            let url = (!line.is_empty() && lower != "empty").then(|| line.to_string());
            let said = url
                .clone()
                .map_or("records nothing".into(), |u| format!("records {u}"));
            (
                said,
                Box::new(move |at| Event::Recorded {
                    duration_s: url.as_ref().map(|_| 10),
                    url,
                    at,
                }),
            )
        }
        Waiting::Agent => {
            let ok = match word.as_str() {
                "done" => true,
                "failed" => false,
                _ => return Err("type done [JSON] or failed".into()),
            };
            let data = json(rest)?;
            (
                format!("agent {word}"),
                Box::new(move |at| Event::AgentEnded { ok, data, at }),
            )
        }
        Waiting::Effect => match call.pending.first() {
            Some(Effect::Sms { .. }) => {
                let sent = match word.as_str() {
                    "sent" => true,
                    "failed" => false,
                    _ => return Err("type sent or failed".into()),
                };
                (
                    format!("sms {word}"),
                    Box::new(move |at| Event::EffectDone {
                        result: EffectResult::Sms { sent },
                        at,
                    }),
                )
            }
            _ => {
                let status = if word == "timeout" {
                    0
                } else {
                    word.parse::<u16>().map_err(|_| {
                        "type an HTTP status (200 {\"json\": 1}) or timeout".to_string()
                    })?
                };
                let body = json(rest)?;
                (
                    format!("http {line}"),
                    Box::new(move |at| Event::EffectDone {
                        result: EffectResult::Http { status, body },
                        at,
                    }),
                )
            }
        },
        _ => return Err(format!("expected {}", question(call))),
    };
    Ok(act)
}
