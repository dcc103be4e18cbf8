//! Rough edges a new user found in the `ivr` command, each pinned down.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ivr_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("runs ivr")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder holding flows/main_line.ivr and a scenario file for it.
fn with_scenarios(scenarios: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("flows/main_line.ivr"),
        dir.path().join("main_line.ivr"),
    )
    .unwrap();
    std::fs::write(dir.path().join("main_line.test.yaml"), scenarios).unwrap();
    dir
}

#[test]
fn check_skips_scenario_files_a_shell_glob_names() {
    let flows = root().join("flows");
    let mut named: Vec<String> = std::fs::read_dir(&flows)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".yaml") || p.extension().is_some_and(|e| e == "ivr")
        })
        .map(|p| p.display().to_string())
        .collect();
    named.sort();
    assert!(named.iter().any(|n| n.ends_with(".test.yaml")), "{named:?}");
    let mut args = vec!["check", "--format", "json"];
    args.extend(named.iter().map(String::as_str));
    let out = ivr_in(&root(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flows_named = named.iter().filter(|n| !n.ends_with(".test.yaml")).count();
    assert_eq!(report["files"], flows_named);
    assert_eq!(report["errors"], 0);
}

const BROKEN_STEP: &str = "\
scenarios:
  - name: sales answers
    steps:
      - press: \"1\"
      - dial: answered
  - name: a typo
    steps:
      - press: \"1\"
      - presss: \"2\"
";

#[test]
fn a_step_that_does_not_read_is_reported_at_its_line() {
    let dir = with_scenarios(BROKEN_STEP);
    let out = ivr_in(dir.path(), &["test", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("main_line.test.yaml:9:7: scenarios[1]: step 2: unknown variant `presss`"),
        "{text}"
    );
    assert!(text.contains("1 scenario file could not run"), "{text}");
}

#[test]
fn github_format_annotates_broken_files_and_failed_steps() {
    let dir = with_scenarios(BROKEN_STEP);
    let out = ivr_in(dir.path(), &["test", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=./main_line.test.yaml,line=9,col=7,")),
        "{text}"
    );

    let dir = with_scenarios(
        "scenarios:\n  - name: wrong words\n    steps:\n      - press: \"1\"\n      - expect: { say: \"nothing like this\" }\n",
    );
    let out = ivr_in(dir.path(), &["test", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation: {text}"));
    assert!(
        line.starts_with(
            "::error file=./main_line.test.yaml,line=5,col=7,title=wrong words::step 2: expected"
        ),
        "{line}"
    );
}

#[test]
fn check_honours_no_color_and_the_color_flag() {
    let broken = root().join("tests/broken/E003-unknown-target.ivr");
    let broken = broken.to_str().unwrap();
    let ansi = |out: &Output| String::from_utf8_lossy(&out.stdout).contains('\u{1b}');
    let always = ivr_in(&root(), &["--color", "always", "check", broken]);
    assert!(ansi(&always), "{}", stdout(&always));
    let never = ivr_in(&root(), &["--color", "never", "check", broken]);
    assert!(!ansi(&never));
    // NO_COLOR wins over `auto` (the default), whatever the terminal.
    let no_color = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["--color", "auto", "check", broken])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!ansi(&no_color));
}

#[test]
fn serve_says_the_port_it_bound_and_logs_without_escape_codes() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let flow = std::fs::read_to_string(root().join("flows/main_line.ivr")).unwrap();
    std::fs::write(dir.path().join("main_line.ivr"), &flow).unwrap();
    // Served as `other`, though it says `main_line`: logged as a warning.
    std::fs::write(dir.path().join("other.ivr"), &flow).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args([
            "serve",
            "--flows",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The URLs go to stdout, the log lines to stderr: read both.
    let (send, lines) = mpsc::channel();
    let streams: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().unwrap()),
        Box::new(child.stderr.take().unwrap()),
    ];
    for stream in streams {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
            {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let mut seen = Vec::new();
    let (mut port, mut warned) = (None, false);
    while port.is_none() || !warned {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        if let Some(address) = line.split("on http://127.0.0.1:").nth(1) {
            port = address.trim().parse::<u16>().ok();
        }
        warned |= line.contains("declares flow `main_line` but is served as `other`");
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.join("\n");
    assert!(port.is_some_and(|p| p != 0), "no real port: {seen}");
    assert!(warned, "no warning: {seen}");
    assert!(!seen.contains('\u{1b}'), "escape codes in a log: {seen:?}");
}

#[test]
fn serve_help_names_the_secrets_and_hides_their_values() {
    let out = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["serve", "--help"])
        .env("TWILIO_AUTH_TOKEN", "tw-s3cret")
        .env("IVR_ADMIN_TOKEN", "adm-s3cret")
        .env("EXOTEL_WEBHOOK_SECRET", "ex-s3cret")
        .output()
        .unwrap();
    let help = stdout(&out);
    for name in [
        "TWILIO_AUTH_TOKEN",
        "IVR_ADMIN_TOKEN",
        "EXOTEL_WEBHOOK_SECRET",
    ] {
        assert!(help.contains(&format!("[env: {name}]")), "{name}: {help}");
    }
    assert!(!help.contains("s3cret"), "{help}");
}

#[test]
fn init_scaffolds_a_flow_and_scenarios_that_pass_check_and_test() {
    let dir = tempfile::tempdir().unwrap();
    let out = ivr_in(dir.path(), &["init", "front_desk"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for file in ["front_desk.ivr", "front_desk.test.yaml"] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let check = ivr_in(dir.path(), &["check", "--deny-warnings", "."]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let test = ivr_in(dir.path(), &["test", "--min-coverage", "100"]);
    assert_eq!(test.status.code(), Some(0), "{}", stdout(&test));
    // Already in the canonical layout: a pre-commit `ivr fmt --check` passes.
    let fmt = ivr_in(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(fmt.status.code(), Some(0), "{}", stdout(&fmt));
    assert!(
        stdout(&test).contains("5 scenarios: 5 passed, 0 failed"),
        "{}",
        stdout(&test)
    );
    // Never over a file, and never a name the flow could not have.
    assert_eq!(
        ivr_in(dir.path(), &["init", "front_desk"]).status.code(),
        Some(2)
    );
    assert_eq!(
        ivr_in(dir.path(), &["init", "9lives"]).status.code(),
        Some(2)
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    let bash = ivr_in(&root(), &["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let bash = stdout(&bash);
    assert!(
        bash.contains("complete") && bash.contains("simulate") && bash.contains("--deny-warnings")
    );
    for shell in ["zsh", "fish"] {
        let out = ivr_in(&root(), &["completions", shell]);
        assert!(stdout(&out).contains("serve"), "{shell}");
    }
    let man = stdout(&ivr_in(&root(), &["man"]));
    assert!(man.starts_with(".ie") || man.contains(".TH ivr"), "{man}");
    assert!(
        man.contains("completions") && man.contains("\\-\\-color"),
        "{man}"
    );
}

fn simulate(args: &[&str]) -> Output {
    let mut all = vec!["simulate", "--at", "2026-12-21T12:00:00+05:30"];
    all.extend_from_slice(args);
    ivr_in(&root(), &all)
}

#[test]
fn simulate_takes_json_answers_with_commas_in_input() {
    let out = simulate(&[
        "examples/pizza_order.ivr",
        "--input",
        r#"1,123456,200 {"status": "out_for_delivery", "eta": [5, 10]},sent"#,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("is on its way"), "{text}");
}

#[test]
fn simulate_fails_on_input_that_runs_out_or_does_not_fit() {
    let ran_out = simulate(&["flows/main_line.ivr", "--input", "1"]);
    assert_eq!(ran_out.status.code(), Some(1));
    let wrong = simulate(&["flows/main_line.ivr", "--input", "1,maybe,hangup"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("`maybe` is not an answer here"));
    let done = simulate(&["flows/main_line.ivr", "--input", "1,answered"]);
    assert_eq!(done.status.code(), Some(0), "{}", stdout(&done));
}

#[test]
fn simulate_prompt_shows_the_keys_and_the_misses_so_far() {
    let out = simulate(&["flows/main_line.ivr", "--input", ",5"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(said.contains("keys 1 2 3 9"), "{said}");
    assert!(said.contains("[silence 1/3, wrong 1/3]"), "{said}");
}

#[test]
fn simulate_refuses_a_variable_the_flow_does_not_declare() {
    let out = simulate(&[
        "examples/pizza_order.ivr",
        "--var",
        "order_idd=123456",
        "--input",
        "hangup",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(said.contains("declares no variable `order_idd`"), "{said}");
    assert!(said.contains("order_id"), "{said}");
    let ok = simulate(&[
        "examples/pizza_order.ivr",
        "--var",
        "order_id=123456",
        "--input",
        "hangup",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
}
