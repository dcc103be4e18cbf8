//! `ivr test [PATH...]`: run scenario files (`*.test.yaml`) against their
//! flows; exit 0 when all pass, 1 on failures, 2 when it could not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use super::Format;
use crate::flows;
use crate::sim::coverage::Coverage;
use crate::sim::locate;
use crate::sim::scenario::{self, Outcome, ScenarioFile};

pub struct TestArgs {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub coverage: bool,
    pub min_coverage: Option<f64>,
}

/// The result of one scenario file.
struct FileRun {
    file: PathBuf,
    flows: Vec<PathBuf>,
    /// Why the file could not be run at all (bad YAML, unknown names, flow errors).
    problems: Vec<Problem>,
    /// Each scenario run, with its place in the file.
    outcomes: Vec<(Place, Outcome)>,
}

/// Where in the scenario file (1-based), when known.
#[derive(Clone, Copy, Default)]
struct Place {
    line: Option<usize>,
    column: Option<usize>,
}

struct Problem {
    at: Place,
    message: String,
}

impl Problem {
    /// `file:line:col: message`, as compilers write it.
    fn text(&self, file: &Path) -> String {
        match (self.at.line, self.at.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}: {}", file.display(), self.message),
            (Some(l), None) => format!("{}:{l}: {}", file.display(), self.message),
            _ => format!("{}: {}", file.display(), self.message),
        }
    }
}

pub fn run(args: TestArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match discover(&paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("ivr: cannot test {e}");
            return ExitCode::from(2);
        }
    };
    let mut runs = Vec::new();
    let mut coverage: BTreeMap<PathBuf, Coverage> = BTreeMap::new();
    for file in files {
        match run_file(&file, &mut coverage) {
            Ok(run) => runs.push(run),
            Err(e) => {
                eprintln!("ivr: cannot test {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.coverage || args.min_coverage.is_some() {
        // A flow no scenario tests counts as 0%: silence must not pass a minimum.
        for flow in flows::discover(&paths).unwrap_or_default() {
            if !coverage.contains_key(&flow)
                && let Ok(loaded) = flows::load(&flow)
                && let Some(graph) = &loaded.compiled.graph
            {
                coverage.insert(flow, Coverage::new(graph));
            }
        }
    }
    for (path, c) in coverage.iter_mut() {
        c.file = Some(path.display().to_string());
    }
    let passed = runs
        .iter()
        .flat_map(|r| &r.outcomes)
        .filter(|(_, o)| o.failures.is_empty())
        .count();
    let failed = runs
        .iter()
        .flat_map(|r| &r.outcomes)
        .filter(|(_, o)| !o.failures.is_empty())
        .count();
    let broken = runs.iter().filter(|r| !r.problems.is_empty()).count();
    let below: Vec<&Coverage> = match args.min_coverage {
        Some(min) => coverage
            .values()
            .filter(|c| c.percent() + 1e-9 < min)
            .collect(),
        None => Vec::new(),
    };
    match args.format {
        Format::Json => {
            let files: Vec<_> = runs
                .iter()
                .map(|r| {
                    json!({
                        "file": r.file.display().to_string(),
                        "flows": r.flows.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                        "problems": r.problems.iter().map(|p| p.text(&r.file)).collect::<Vec<_>>(),
                        "scenarios": r.outcomes.iter().map(|(_, o)| json!({
                            "name": o.name,
                            "passed": o.failures.is_empty(),
                            "failures": o.failures,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut report =
                json!({ "files": files, "passed": passed, "failed": failed, "broken": broken });
            if args.coverage || args.min_coverage.is_some() {
                report["coverage"] = coverage.values().map(Coverage::to_json).collect();
            }
            println!("{report}");
        }
        Format::Github => {
            for r in &runs {
                print!("{}", github_report(r));
            }
            for c in &below {
                println!(
                    "::error title=coverage::coverage of {} is {:.1}%, below the minimum {:.1}%",
                    super::check::escape_data(c.name()),
                    c.percent(),
                    args.min_coverage.unwrap_or(0.0)
                );
            }
            println!("{}", summary(passed, failed, broken));
        }
        Format::Human => {
            for r in &runs {
                print!("{}", text_report(r));
            }
            if args.coverage || args.min_coverage.is_some() {
                println!("\ncoverage");
                for c in coverage.values() {
                    print!("{}", c.to_text());
                }
            }
            for c in &below {
                println!(
                    "coverage of {} is {:.1}%, below the minimum {:.1}%",
                    c.name(),
                    c.percent(),
                    args.min_coverage.unwrap_or(0.0)
                );
            }
            println!("\n{}", summary(passed, failed, broken));
        }
    }
    if failed > 0 || broken > 0 || !below.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `ivr test --generate FLOW [--output FILE|-]`: write a scenario skeleton
/// that walks every exit of the flow. Never overwrites a file.
pub fn generate(flow: &Path, output: Option<&Path>) -> ExitCode {
    let graph = match super::compiled(flow) {
        Ok(graph) => graph,
        Err(code) => return code,
    };
    let name = flow
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = crate::sim::generate::skeleton(&graph, &name);
    let target = match output {
        Some(path) if path == Path::new("-") => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Some(path) => path.to_path_buf(),
        None => {
            let stem = flow.file_stem().unwrap_or_default().to_string_lossy();
            flow.with_file_name(format!("{stem}.test.yaml"))
        }
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    match written {
        Ok(()) => {
            println!("wrote {}", target.display());
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "ivr: {} exists; not overwriting it (use --output FILE, or --output - to print)",
                target.display()
            );
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("ivr: cannot write {}: {e}", target.display());
            ExitCode::from(2)
        }
    }
}

fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, flows::LoadError> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|_| flows::LoadError {
            path: path.clone(),
            reason: "no such file or directory".into(),
        })?;
        if meta.is_dir() {
            // An unreadable folder holds no scenarios we could run.
            found.extend(flows::walk(path, flows::is_scenario).filter_map(Result::ok));
        } else if flows::syntax_of(path) != ivr_compiler::Syntax::Ivr || flows::is_scenario(path) {
            // `ivr test flows/*` names the flows too: an `.ivr` file is never a scenario file.
            found.push(path.clone());
        }
    }
    Ok(found)
}

/// The flows a scenario file tests: `flow:` relative to it, else every flow
/// with the same stem (`x.ivr` and its YAML twin `x.yaml` both run).
fn flow_paths(file: &Path, declared: Option<&str>) -> Vec<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new("."));
    if let Some(flow) = declared {
        return vec![dir.join(flow)];
    }
    let Some(stem) = file.file_name().and_then(|n| n.to_str()).and_then(|n| {
        n.strip_suffix(".test.yaml")
            .or_else(|| n.strip_suffix(".test.yml"))
    }) else {
        return Vec::new();
    };
    ["ivr", "yaml", "yml"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .filter(|p| p.exists())
        .collect()
}

fn run_file(
    file: &Path,
    coverage: &mut BTreeMap<PathBuf, Coverage>,
) -> Result<FileRun, flows::LoadError> {
    let text = std::fs::read_to_string(file).map_err(|e| flows::LoadError {
        path: file.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut run = FileRun {
        file: file.to_path_buf(),
        flows: Vec::new(),
        problems: Vec::new(),
        outcomes: Vec::new(),
    };
    let scenarios: ScenarioFile = match serde_yaml::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            run.problems.push(unreadable(&text, &e));
            return Ok(run);
        }
    };
    let targets = flow_paths(file, scenarios.flow.as_deref());
    if targets.is_empty() {
        run.problems.push(Problem {
            at: Place::default(),
            message: "no flow to test (name it with `flow:` or put `<stem>.ivr` beside it)".into(),
        });
        return Ok(run);
    }
    let twins = targets.len() > 1;
    for flow in targets {
        run.flows.push(flow.clone());
        let loaded = flows::load(&flow)?;
        let Some(graph) = &loaded.compiled.graph else {
            run.problems.push(Problem {
                at: Place::default(),
                message: format!(
                    "{} has errors:\n{}",
                    flow.display(),
                    ivr_compiler::report::render_plain(
                        &flow.display().to_string(),
                        &loaded.text,
                        &loaded.compiled.diagnostics,
                        100
                    )
                ),
            });
            continue;
        };
        let problems: Vec<Problem> = scenario::validate(&scenarios, graph)
            .into_iter()
            .map(|problem| Problem {
                at: Place {
                    line: Some(name_line(&text, &problem)),
                    column: None,
                },
                message: problem,
            })
            .collect();
        if !problems.is_empty() {
            run.problems.extend(problems);
            continue;
        }
        let cov = coverage
            .entry(flow.clone())
            .or_insert_with(|| Coverage::new(graph));
        for (index, s) in scenarios.scenarios.iter().enumerate() {
            let mut outcome = scenario::run(graph, s);
            cov.add(&outcome.walked);
            if twins {
                let name = flow
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                outcome.name = format!("{} [{name}]", outcome.name);
            }
            // A failure points at its step; a pass at the scenario.
            let at = match outcome.failures.first() {
                Some(f) => {
                    locate::step_at(&text, index, f.step.saturating_sub(1)).map(|(l, c)| Place {
                        line: Some(l),
                        column: Some(c),
                    })
                }
                None => None,
            }
            .unwrap_or(Place {
                line: locate::scenario_line(&text, index),
                column: None,
            });
            run.outcomes.push((at, outcome));
        }
    }
    Ok(run)
}

/// A scenario file that does not read: at the bad step when the error is in
/// one (`scenarios[1]: step 2: …`), else where the YAML reader stopped.
fn unreadable(text: &str, e: &serde_yaml::Error) -> Problem {
    let message = e.to_string();
    let step = message
        .strip_prefix("scenarios[")
        .and_then(|rest| rest.split_once("]: step "))
        .and_then(|(scenario, rest)| {
            let step = rest.split_once(':')?.0;
            Some((scenario.parse::<usize>().ok()?, step.parse::<usize>().ok()?))
        })
        .and_then(|(scenario, step)| locate::step_at(text, scenario, step.checked_sub(1)?));
    let at = match step {
        Some((line, column)) => Place {
            line: Some(line),
            column: Some(column),
        },
        None => Place {
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
        },
    };
    // The reader's own "at line L column C" would contradict a step's place.
    let message = match (step, message.rfind(" at line ")) {
        (Some(_), Some(cut)) => message[..cut].to_string(),
        _ => message,
    };
    Problem { at, message }
}

/// The line of the first backquoted name in `problem` within the scenario text.
fn name_line(text: &str, problem: &str) -> usize {
    let names: Vec<&str> = problem.split('`').skip(1).step_by(2).collect();
    // The second name is the node or exit the flow lacks (the first is the scenario).
    let wanted = names.get(1).or(names.first()).copied().unwrap_or("");
    text.lines()
        .position(|l| {
            l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == wanted)
        })
        .map_or(1, |i| i + 1)
}

fn summary(passed: usize, failed: usize, broken: usize) -> String {
    let mut s = format!(
        "{} scenarios: {passed} passed, {failed} failed",
        passed + failed
    );
    if broken > 0 {
        let files = if broken == 1 { "file" } else { "files" };
        s.push_str(&format!("; {broken} scenario {files} could not run"));
    }
    s
}

fn text_report(r: &FileRun) -> String {
    let mut s = format!("{}\n", r.file.display());
    for p in &r.problems {
        s.push_str(&format!("  error: {}\n", p.text(&r.file)));
    }
    for (_, o) in &r.outcomes {
        if o.failures.is_empty() {
            s.push_str(&format!("  ok     {}\n", o.name));
            continue;
        }
        s.push_str(&format!("  FAILED {}\n", o.name));
        for f in &o.failures {
            s.push_str(&format!("    step {}: expected {}\n", f.step, f.expected));
            s.push_str(&format!("            but {}\n", f.happened));
        }
        s.push_str("    the call:\n");
        for line in o.transcript.lines() {
            s.push_str(&format!("    {line}\n"));
        }
    }
    s
}

/// GitHub Actions annotations: one `::error` per problem and failed scenario.
fn github_report(r: &FileRun) -> String {
    use super::check::{escape_data, escape_property};
    let annotation = |at: Place, title: &str, message: &str| {
        let mut place = format!("file={}", escape_property(&r.file.display().to_string()));
        if let Some(line) = at.line {
            place.push_str(&format!(",line={line}"));
        }
        if let Some(column) = at.column {
            place.push_str(&format!(",col={column}"));
        }
        format!(
            "::error {place},title={}::{}\n",
            escape_property(title),
            escape_data(message)
        )
    };
    let mut s = String::new();
    for p in &r.problems {
        s.push_str(&annotation(p.at, "scenario file", &p.message));
    }
    for (at, o) in &r.outcomes {
        if o.failures.is_empty() {
            continue;
        }
        let message: Vec<String> = o
            .failures
            .iter()
            .map(|f| {
                format!(
                    "step {}: expected {}, but {}",
                    f.step, f.expected, f.happened
                )
            })
            .collect();
        s.push_str(&annotation(*at, &o.name, &message.join("\n")));
    }
    s
}
